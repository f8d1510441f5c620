-- the smallest nonzero constant
return network "e" { input = 2, dense { 2, activation = "sigmoid" }, loss = "squared_error", train = { weight_decay = 1e-30 } }
-- expect: ok
