-- one unit more is refused
return network "e" { input = 1, dense { 1048577, activation = "relu" }, dense { 1, activation = "sigmoid" }, loss = "squared_error" }
-- expect: tests/specs/edge/units_over_limit.lua:2: error: dense: size is 1048577, more than the limit of 1048576
