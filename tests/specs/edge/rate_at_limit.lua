-- the largest rate
return network "e" { input = 2, dense { 2, activation = "sigmoid" }, loss = "squared_error", train = { rate = 1e6 } }
-- expect: ok
