-- a larger one
return network "e" { input = 2, dense { 2, activation = "sigmoid" }, loss = "squared_error", train = { rate = 1.5e6 } }
-- expect: tests/specs/edge/rate_over_limit.lua:2: error: train: rate is 1500000, more than the limit of 1e+06
