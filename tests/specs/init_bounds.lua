-- tests/specs/init_bounds.lua: one layer per init, for test_compile's check
-- of the bounds and spreads themselves (not only of the golden files).
return network "initb" {
  input = 5,
  dense { 7, activation = "tanh" },                                  -- glorot_uniform: fan in 5, out 7
  dense { 3, activation = "relu" },                                  -- he_uniform: fan in 7
  dense { 100, activation = "identity", init = { "uniform", -0.3, 0.2 } },
  dense { 100, activation = "tanh", init = "glorot_normal" },        -- std sqrt(2 / 200)
  dense { 50, activation = "relu", init = "he_normal" },             -- std sqrt(2 / 100)
  dense { 2, activation = "sigmoid", init = "zeros" },
  loss = "squared_error",
  dtype = "double",
}
