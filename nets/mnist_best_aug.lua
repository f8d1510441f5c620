-- nets/mnist_best_aug.lua: nets/mnist_best.lua (an MLP, no convolution) on
-- training images shifted by up to 2 pixels: the input is an image so that
-- the trainer can shift it, and flatten makes it the MLP's vector again.
return network "mnist_best_aug" {
  input = { 1, 28, 28 },
  flatten {},
  dense { 512, activation = "relu" },
  dense { 256, activation = "relu" },
  dense { 10,  activation = "softmax" },
  loss  = "cross_entropy",
  train = {
    optimizer = "adam", rate = 0.001, batch = 64, epochs = 30, seed = 1,
    schedule = "cosine", min_rate = 0.00001, validation = 0.1,
    augment = { shift = 2 },
  },
}
