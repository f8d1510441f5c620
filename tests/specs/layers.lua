-- tests/specs/layers.lua: one of each kind with sizes that show a wrong
-- formula: a non-square two-channel image, a conv with a non-square kernel,
-- stride 2 by 1 and padding on rows only, an overlapping max pool, a "same"
-- conv, an average pool that does not divide its input, dropout, flatten.
-- tests/test_layers.c checks each layer's forward pass against loops of its own.
return network "layers" {
  input = { 2, 9, 7 },
  conv2d { 3, kernel = { 3, 2 }, stride = { 2, 1 }, padding = { 1, 0 }, activation = "identity" },
  maxpool2d { 2, stride = 1 },
  conv2d { 4, kernel = 3, padding = "same", activation = "tanh" },
  avgpool2d { { 2, 3 } },
  dropout { 0.5 },
  flatten {},
  dense { 3, activation = "softmax" },
  loss = "cross_entropy",
  dtype = "double",
  train = { batch = 2 },
}
