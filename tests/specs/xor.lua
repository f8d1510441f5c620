-- XOR: two inputs, two classes (a one-hot "false"/"true")
return network "xor" {
  input = 2,
  dense { 4, activation = "tanh" },
  dense { 2, activation = "sigmoid" },
  loss = "squared_error",
  train = { rate = 0.2, epochs = 1000, seed = 1 },
}
