-- 16384 more are refused
return network "e" { input = 16384, dense { 16384, activation = "sigmoid" }, loss = "squared_error" }
-- expect: tests/specs/edge/params_over_limit.lua:2: error: network: 268451840 parameters, more than the limit of 268435456
