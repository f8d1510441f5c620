-- a byte less each
return network "e" { input = 3, dense { 4, activation = "tanh" }, dense { 2, activation = "sigmoid" }, loss = "squared_error", budget = { inference = 147, flash = 103, ram = 43 } }
-- expect: tests/specs/edge/budget_over_limit.lua:2: error: budget: flash needs 104 bytes (104 B), over the budget of 103 B
-- expect: tests/specs/edge/budget_over_limit.lua:2: error: budget: ram needs 44 bytes (44 B), over the budget of 43 B
-- expect: tests/specs/edge/budget_over_limit.lua:2: error: budget: inference needs 148 bytes (148 B), over the budget of 147 B
