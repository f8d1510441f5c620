-- a modern small MLP on the committed MNIST subset: relu, softmax with
-- cross-entropy, Adam, mini-batches of 16, cosine rate schedule
return network "mnist_adam" {
  input = 784,
  dense { 64, activation = "relu" },
  dense { 10, activation = "softmax" },
  loss = "cross_entropy",
  train = { optimizer = "adam", rate = 0.002, batch = 16, epochs = 8, seed = 1, schedule = "cosine" },
}
