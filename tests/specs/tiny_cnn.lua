-- tests/specs/tiny_cnn.lua: the smallest net with every kind besides dense,
-- for golden files: conv2d with padding, both poolings, dropout, flatten.
return network "tiny_cnn" {
  input = { 1, 6, 5 },
  conv2d { 2, kernel = 3, padding = "same", activation = "relu" },
  maxpool2d { 2 },
  dropout { 0.5 },
  conv2d { 2, kernel = { 2, 1 }, stride = { 1, 2 }, activation = "tanh" },
  avgpool2d { { 2, 1 }, stride = 1 },
  flatten {},
  dense { 3, activation = "softmax" },
  loss  = "cross_entropy",
  dtype = "double",
  train = { rate = 0.1, batch = 2, epochs = 1, seed = 7 },
}
