return network "dense_after_conv" {
  input = { 1, 8, 8 },
  conv2d { 4, kernel = 3, activation = "relu" },
  dense { 2, activation = "sigmoid" },
  loss = "squared_error",
}
-- expect: tests/specs/bad/dense_after_conv.lua:4: error: dense: its input is 4x6x6, not a flat vector; put flatten {} before it
