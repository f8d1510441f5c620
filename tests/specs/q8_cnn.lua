-- the int8 backend's convolutional kinds on the committed MNIST subset
-- (tests/test_q8.c, built as test_q8_cnn): conv2d with stride and padding
-- (relu, then tanh), both poolings (the max pool in floor mode drops a row),
-- dropout, flatten, a dense softmax
return network "q8_cnn" {
  input = { 1, 28, 28 },
  conv2d { 4, kernel = 5, stride = 2, padding = 1, activation = "relu" },
  maxpool2d { 2 },
  conv2d { 8, kernel = 3, padding = "same", activation = "tanh" },
  avgpool2d { 2 },
  dropout { 0.25 },
  flatten {},
  dense { 10, activation = "softmax" },
  loss = "cross_entropy",
  train = { optimizer = "adam", rate = 0.005, batch = 16, epochs = 6, seed = 1 },
}
