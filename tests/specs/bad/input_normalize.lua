return network "bad" {
  input = {
    0,
    normalize = "standardise",
  },
  dense { 2, activation = "sigmoid" },
  loss = "squared_error",
}
-- expect: tests/specs/bad/input_normalize.lua:2: error: input: size must be a positive integer, got 0
-- expect: tests/specs/bad/input_normalize.lua:4: error: input: unknown normalize 'standardise' (known: none, standardize, minmax), did you mean 'standardize'?
