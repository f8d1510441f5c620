-- budgets of exactly what the net needs
return network "e" { input = 3, dense { 4, activation = "tanh" }, dense { 2, activation = "sigmoid" }, loss = "squared_error", budget = { inference = 148, flash = 104, ram = 44 } }
-- expect: ok
