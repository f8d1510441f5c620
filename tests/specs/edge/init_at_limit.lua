-- the widest uniform init
return network "e" { input = 2, dense { 2, activation = "sigmoid", init = { "uniform", -1e6, 1e6 } }, loss = "squared_error" }
-- expect: ok
