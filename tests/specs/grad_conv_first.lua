-- tests/specs/grad_conv_first.lua: pooling and dropout as the first layers
-- (no gradient for the network input), then a 1x1 convolution with identity,
-- then squared error on a tanh output; batches of 2.
return network "grad_conv_first" {
  input = { 3, 5, 5 },
  avgpool2d { 2, stride = 1 },
  dropout { 0.2 },
  conv2d { 2, kernel = 1, activation = "identity" },
  flatten {},
  dense { 3, activation = "tanh" },
  loss = "squared_error",
  dtype = "double",
  train = { batch = 2, optimizer = "sgd" },
}
