-- one more
return network "e" { input = 2, dense { 2, activation = "sigmoid" }, loss = "squared_error", train = { batch = 65537 } }
-- expect: tests/specs/edge/batch_over_limit.lua:2: error: train: batch must be an integer from 1 to 65536, got 65537
