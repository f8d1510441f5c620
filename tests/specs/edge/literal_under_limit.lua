-- a smaller one
return network "e" { input = 2, dense { 2, activation = "sigmoid" }, loss = "squared_error", train = { weight_decay = 9e-31 } }
-- expect: tests/specs/edge/literal_under_limit.lua:2: error: train: weight_decay is 9.0000000000000008e-31; a nonzero value must be at least 1e-30 (float would round it to 0)
