-- Adam constants float rounds to zero
return network "adam_tiny" {
  input = 4,
  dense { 2, activation = "sigmoid" },
  loss = "squared_error",
  train = { optimizer = "adam", beta1 = 1e-40 },
}
-- expect: tests/specs/bad/adam_tiny.lua:6: error: train: beta1 is 9.9999999999999993e-41; a nonzero value must be at least 1e-30 (float would round it to 0)
