-- an identity hidden layer on the batched path: its derivative is the
-- constant 1, so the batched input gradient reads no activation
return network "grad_identity_batch" {
  input = 3,
  dense { 4, activation = "identity" },
  dense { 2, activation = "sigmoid" },
  loss = "binary_cross_entropy",
  dtype = "double",
  train = { batch = 2, optimizer = "adam" },
}
