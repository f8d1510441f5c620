-- one more is refused
return network "e" { input = 1048577, dense { 1, activation = "sigmoid" }, loss = "squared_error" }
-- expect: tests/specs/edge/input_over_limit.lua:2: error: network: input is 1048577, more than the limit of 1048576
