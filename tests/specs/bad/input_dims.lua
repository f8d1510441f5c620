return network "input_dims" {
  input = { 1, 28 },
  dense { 2, activation = "sigmoid" },
  loss = "squared_error",
}
-- expect: tests/specs/bad/input_dims.lua:2: error: network: input must be a size N or { C, H, W } (channels, height, width), got 2 dimensions
