local s = ("x"):rep(5e8)
return network "r" { input = 4, dense { 2, activation = s }, loss = "squared_error" }
-- expect: tests/specs/bad/big_rep.lua:1: error: string.rep would build 500000000 bytes, more than the limit of 4096 for a spec
