-- the batched path in loops (batch 3, odd), sigmoid with binary cross-entropy, momentum
return network "grad_momentum_batch" {
  input = 7,
  dense { 6, activation = "tanh" },
  dense { 3, activation = "sigmoid" },
  loss = "binary_cross_entropy",
  dtype = "double",
  unroll = "loops",
  train = { optimizer = "momentum", momentum = 0.8, batch = 3 },
}
