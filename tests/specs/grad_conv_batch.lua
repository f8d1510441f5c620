-- tests/specs/grad_conv_batch.lua: a one-channel image through a valid conv
-- with stride 2, relu, max pooling that does not divide its input, dropout on
-- the image and on the flat vector; batches of 3 (a partial batch is 2 rows).
return network "grad_conv_batch" {
  input = { 1, 9, 8 },
  conv2d { 4, kernel = 3, stride = 2, activation = "leaky_relu", slope = 0.1 },
  dropout { 0.25 },
  maxpool2d { { 2, 3 } },
  flatten {},
  dense { 5, activation = "relu" },
  dropout { 0.5 },
  dense { 2, activation = "sigmoid" },
  loss = "binary_cross_entropy",
  dtype = "double",
  train = { batch = 3, optimizer = "momentum" },
}
