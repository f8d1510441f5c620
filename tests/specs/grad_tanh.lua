-- tanh everywhere, squared error
return network "grad_tanh" {
  input = 5,
  dense { 4, activation = "tanh" },
  dense { 3, activation = "tanh" },
  loss = "squared_error",
  dtype = "double",
}
