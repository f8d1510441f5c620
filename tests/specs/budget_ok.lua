-- a net that fits its budget: the header holds static asserts for it
return network "budget_ok" {
  input = 16,
  dense { 8, activation = "relu" },
  dense { 4, activation = "softmax" },
  loss = "cross_entropy",
  budget = { inference = "1 KiB", training = 4096, flash = 1024, ram = "1 KiB" },
}
