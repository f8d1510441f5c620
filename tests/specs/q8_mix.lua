-- the int8 backend's other activations on the committed MNIST subset: tanh,
-- relu, identity and softmax (tests/test_q8.c, built as test_q8_mix)
return network "q8_mix" {
  input = 784,
  dense { 32, activation = "tanh" },
  dense { 24, activation = "relu" },
  dense { 16, activation = "identity" },
  dense { 10, activation = "softmax" },
  loss = "cross_entropy",
  train = { optimizer = "adam", rate = 0.002, batch = 16, epochs = 6, seed = 1 },
}
