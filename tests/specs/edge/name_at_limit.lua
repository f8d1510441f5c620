-- a name of 32 characters
return network "n2345678901234567890123456789012" { input = 2, dense { 2, activation = "sigmoid" }, loss = "squared_error" }
-- expect: ok
