-- nets/mnist.lua: the article's network, a 784-128-64-10 sigmoid MLP trained
-- with squared error and plain SGD, one sample at a time.
return network "mnist" {
  input = 784,
  dense { 128, activation = "sigmoid" },
  dense { 64,  activation = "sigmoid" },
  dense { 10,  activation = "sigmoid" },
  loss  = "squared_error",
  train = { optimizer = "sgd", rate = 0.1, batch = 1, epochs = 10, seed = 1 },
}
