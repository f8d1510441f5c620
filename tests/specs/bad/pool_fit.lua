return network "pool_fit" {
  input = { 2, 3, 9 },
  maxpool2d { { 4, 2 } },
  flatten {},
  dense { 2, activation = "sigmoid" },
  loss = "squared_error",
}
-- expect: tests/specs/bad/pool_fit.lua:3: error: maxpool2d: a 4x2 window does not fit the 2x3x9 input
