local width = nil
return network "bad" {
  input = 4,
  dense { width * 2, activation = "sigmoid" },
  loss = "squared_error",
}
-- expect: tests/specs/bad/runtime.lua:4: error: attempt to perform arithmetic on a nil value (local 'width')
