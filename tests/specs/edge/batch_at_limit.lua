-- the largest batch
return network "e" { input = 2, dense { 2, activation = "sigmoid" }, loss = "squared_error", train = { batch = 65536 } }
-- expect: ok
