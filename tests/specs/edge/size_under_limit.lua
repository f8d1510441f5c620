-- full unrolling of 8,704 weights (about 1.2 MiB of C) is accepted
return network "e" { input = 32, dense { 256, activation = "relu", unroll = "full" }, dense { 2, activation = "sigmoid" }, loss = "squared_error" }
-- expect: ok
