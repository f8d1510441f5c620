-- the batched path (batch 4, relu, softmax with cross-entropy) with Adam and L2 weight decay
return network "grad_adam_batch" {
  input = 6,
  dense { 5, activation = "relu" },
  dense { 4, activation = "softmax" },
  loss = "cross_entropy",
  dtype = "double",
  train = { optimizer = "adam", batch = 4, rate = 0.01, weight_decay = 0.001 },
}
