-- exactly MAX_PARAMS (2^28 = 16384 x 16384) parameters are accepted
return network "e" { input = 16383, dense { 16384, activation = "sigmoid" }, loss = "squared_error" }
-- expect: ok
