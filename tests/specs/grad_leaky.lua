-- leaky relu with its slope, sigmoid output with binary cross-entropy
return network "grad_leaky" {
  input = 5,
  dense { 4, activation = "leaky_relu", slope = 0.1 },
  dense { 3, activation = "sigmoid" },
  loss = "binary_cross_entropy",
  dtype = "double",
}
