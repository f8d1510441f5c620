-- tests/specs/torch_sgd.lua: trained by the C trainer and by its PyTorch twin
-- (tests/test_interop.py), sigmoid/tanh/squared error, Nesterov momentum, one sample a step
return network "torch_sgd" {
  input = 784,
  dense { 8, activation = "tanh" },
  dense { 10, activation = "sigmoid" },
  loss  = "squared_error",
  dtype = "double",
  train = { optimizer = "nesterov", rate = 0.01, batch = 1, epochs = 1, seed = 5,
            weight_decay = 1e-3, schedule = "step", step_size = 1, gamma = 0.5 },
}
