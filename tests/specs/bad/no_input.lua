return network "bad" {
  dense { 2, activation = "sigmoid" },
  loss = "squared_error",
}
-- expect: tests/specs/bad/no_input.lua:1: error: network: missing input size, as in input = 784 or input = { 1, 28, 28 }
