-- nets/mnist_cnn.lua: a small convolutional network for MNIST. Two 3x3
-- convolutions with max pooling, dropout, one hidden dense layer; Adam on
-- mini-batches of 64 with a cosine-decaying rate, training images shifted by
-- up to 2 pixels, and the epoch that does best on a validation split. Two
-- threads split each batch (the same result as one, bit for bit).
return network "mnist_cnn" {
  input = { 1, 28, 28 },
  conv2d { 32, kernel = 3, padding = "same", activation = "relu" },
  maxpool2d { 2 },
  conv2d { 64, kernel = 3, padding = "same", activation = "relu" },
  maxpool2d { 2 },
  dropout { 0.25 },
  flatten {},
  dense { 128, activation = "relu" },
  dropout { 0.5 },
  dense { 10, activation = "softmax" },
  loss  = "cross_entropy",
  train = {
    optimizer = "adam", rate = 0.001, batch = 64, epochs = 12, seed = 1,
    schedule = "cosine", min_rate = 0.00002, validation = 0.1,
    augment = { shift = 2 }, threads = 2,
  },
}
