-- an image through flatten first: the dense layer after it is the first that
-- learns, so it computes no input gradient, and with 272 inputs it sums them
-- in halves (gen/layers/dense.lua K.SPLIT_INPUTS); batched (batch 4), SGD
return network "grad_flatten_first" {
  input = { 1, 16, 17 },
  flatten {},
  dense { 7, activation = "sigmoid" },
  dense { 3, activation = "identity" },
  loss = "squared_error",
  dtype = "double",
  train = { optimizer = "sgd", batch = 4, rate = 0.05 },
}
