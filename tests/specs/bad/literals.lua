-- numbers the C cannot hold: an infinite init span, constants float rounds to 0, an absurd rate
return network "lits" {
  input = 4,
  dense { 2, activation = "sigmoid", init = { "uniform", -1e308, 1e308 } },
  dense { 2, activation = "leaky_relu", slope = 1e-300 },
  loss = "squared_error",
  train = { weight_decay = 1e-50, rate = 1e300 },
}
-- expect: tests/specs/bad/literals.lua:4: error: dense: init bound -1e+308 must be 0 or between 1e-30 and 1e+06 in magnitude
-- expect: tests/specs/bad/literals.lua:5: error: dense: slope is 1e-300; it must be at least 1e-30 (float would round it to 0)
-- expect: tests/specs/bad/literals.lua:7: error: train: rate is 1.0000000000000001e+300, more than the limit of 1e+06
-- expect: tests/specs/bad/literals.lua:7: error: train: weight_decay is 1e-50; a nonzero value must be at least 1e-30 (float would round it to 0)
