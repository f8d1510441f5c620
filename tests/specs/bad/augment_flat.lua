return network "augment_flat" {
  input = 16,
  dropout { 1.5 },
  dense { 2, activation = "sigmoid" },
  loss = "squared_error",
  train = { augment = { shift = 2 } },
}
-- expect: tests/specs/bad/augment_flat.lua:3: error: dropout: rate must be a number between 0 and 1 (the fraction of units dropped), got 1.5
-- expect: tests/specs/bad/augment_flat.lua:6: error: augment: shift needs an image input, input = { C, H, W }; this input is flat (16)
