-- 33 characters
return network "n23456789012345678901234567890123" { input = 2, dense { 2, activation = "sigmoid" }, loss = "squared_error" }
-- expect: tests/specs/edge/name_over_limit.lua:2: error: network: name 'n23456789012345678901234567890123' must be a C identifier of at most 32 characters
