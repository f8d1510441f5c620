-- tests/specs/torch_adam.lua: trained by the C trainer and by its PyTorch twin
-- (tests/test_interop.py), relu/softmax/cross-entropy, Adam with L2 decay, batches,
-- a cosine schedule and a validation split (the best epoch is kept)
return network "torch_adam" {
  input = 784,
  dense { 16, activation = "relu" },
  dense { 12, activation = "leaky_relu", slope = 0.05, init = "glorot_normal" },
  dense { 10, activation = "softmax" },
  loss  = "cross_entropy",
  dtype = "double",
  train = { optimizer = "adam", rate = 0.01, batch = 10, epochs = 2, seed = 3,
            weight_decay = 1e-4, schedule = "cosine", min_rate = 0.001, validation = 0.2 },
}
