-- a wider one
return network "e" { input = 2, dense { 2, activation = "sigmoid", init = { "uniform", -2e6, 1e6 } }, loss = "squared_error" }
-- expect: tests/specs/edge/init_over_limit.lua:2: error: dense: init bound -2000000 must be 0 or between 1e-30 and 1e+06 in magnitude
