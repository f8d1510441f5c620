-- tests/specs/tiny.lua: the smallest net worth generating, for golden files.
return network "tiny" {
  input = 3,
  dense { 4, activation = "tanh" },
  dense { 2, activation = "sigmoid" },
  loss  = "squared_error",
  dtype = "double",
  train = { rate = 0.5, epochs = 1, seed = 7 },
}
