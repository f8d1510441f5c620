-- one more
return network "e" { input = 2, dense { 2, activation = "sigmoid" }, loss = "squared_error", train = { epochs = 1000001 } }
-- expect: tests/specs/edge/epochs_over_limit.lua:2: error: train: epochs must be an integer from 1 to 1000000, got 1000001
