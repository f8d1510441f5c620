-- relu hidden layers, identity output, squared error
return network "grad_relu" {
  input = 5,
  dense { 6, activation = "relu" },
  dense { 5, activation = "relu" },
  dense { 3, activation = "identity" },
  loss = "squared_error",
  dtype = "double",
}
