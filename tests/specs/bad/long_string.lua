local s = ("abcdefgh"):rep(512)
for i = 1, 10 do s = s .. s end
return network "long" {
  input = 4, dense { 2, activation = s }, loss = "squared_error" }
-- expect: tests/specs/bad/long_string.lua:3: error: the spec hands back a string of 4194304 bytes, more than the limit of 4096
