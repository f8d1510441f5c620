-- a first layer split by inputs (gen/layers/dense.lua K.SPLIT_INPUTS): 261
-- inputs summed in halves 0..127 and 128..260, batched (batch 5) with momentum
-- (not fused: the weight gradient by rows of w, then the update by parameters)
return network "grad_split" {
  input = 261,
  dense { 9, activation = "tanh" },
  dense { 4, activation = "identity" },
  loss = "squared_error",
  dtype = "double",
  train = { optimizer = "momentum", batch = 5, rate = 0.05 },
}
