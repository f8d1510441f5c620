return network "bad" {
  input = { normalize = "minmax" },
  dense { 2, activation = "sigmoid" },
  loss = "squared_error",
}
-- expect: tests/specs/bad/input_missing.lua:2: error: input: missing size, as in input = { 13, normalize = "standardize" }
