-- a layer of exactly MAX_UNITS (2^20) units is accepted
return network "e" { input = 1, dense { 1048576, activation = "relu" }, dense { 1, activation = "sigmoid" }, loss = "squared_error" }
-- expect: ok
