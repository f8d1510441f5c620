-- the most epochs
return network "e" { input = 2, dense { 2, activation = "sigmoid" }, loss = "squared_error", train = { epochs = 1000000 } }
-- expect: ok
