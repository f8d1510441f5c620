-- softmax trained with squared error: the full softmax Jacobian (a warning, but valid)
return network "grad_softmax_se" {
  input = 4,
  dense { 3, activation = "relu", init = { "uniform", 0.1, 0.9 } },
  dense { 3, activation = "softmax" },
  loss = "squared_error",
  dtype = "double",
}
