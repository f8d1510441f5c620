return network "bad" {
  input = { 13, normalise = "standardize", 7 },
  dense { 2, activation = "sigmoid" },
  loss = "squared_error",
}
-- expect: tests/specs/bad/input_table.lua:2: error: input: unknown key 'normalise' (known: normalize), did you mean 'normalize'?
-- expect: tests/specs/bad/input_table.lua:2: error: network: input must be a size N or { C, H, W } (channels, height, width), got 2 dimensions
