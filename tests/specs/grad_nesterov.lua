-- batch 1 with Nesterov momentum and weight decay: the unfused per-sample path
return network "grad_nesterov" {
  input = 5,
  dense { 4, activation = "leaky_relu", slope = 0.2 },
  dense { 3, activation = "identity" },
  loss = "squared_error",
  dtype = "double",
  train = { optimizer = "nesterov", weight_decay = 0.01 },
}
