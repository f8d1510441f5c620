return network "conv_same_even" {
  input = { 3, 6, 6 },
  conv2d { 2, kernel = { 3, 2 }, padding = "same", activation = "relu" },
  flatten {},
  dense { 2, activation = "sigmoid" },
  loss = "squared_error",
}
-- expect: tests/specs/bad/conv_same_even.lua:3: error: conv2d: padding 'same' needs an odd kernel, this one is 3x2; give padding = { PH, PW }
