-- one layer only (softmax regression), momentum on batches of 3: the
-- backward pass reads no weights
return network "grad_single" {
  input = 4,
  dense { 3, activation = "softmax" },
  loss = "cross_entropy",
  dtype = "double",
  train = { optimizer = "momentum", batch = 3 },
}
