-- a first dense layer split by inputs (gen/layers/dense.lua K.SPLIT_INPUTS)
-- in float: 277 inputs, often 0, in halves 0..127 and 128..276 (the second
-- ends past whole vectors), 37 outputs (not whole vectors), a batch of 13
-- (not whole row blocks), plain SGD (the stages fuse it into the steps)
return network "kernels_k" {
  input = 277,
  dense { 37, activation = "sigmoid" },
  dense { 20, activation = "relu" },
  dense { 7, activation = "softmax" },
  loss = "cross_entropy",
  train = { optimizer = "sgd", batch = 13, rate = 0.05 },
}
