return network "conv_flat" {
  input = 64,
  conv2d { 4, kernel = 3, activation = "relu" },
  flatten {},
  dense { 2, activation = "sigmoid" },
  loss = "squared_error",
}
-- expect: tests/specs/bad/conv_flat.lua:3: error: conv2d: its input is 64, a flat vector; convolution needs input = { C, H, W }
