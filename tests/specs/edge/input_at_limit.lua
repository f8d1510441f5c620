-- an input of exactly MAX_UNITS is accepted
return network "e" { input = 1048576, dense { 1, activation = "sigmoid" }, loss = "squared_error" }
-- expect: ok
