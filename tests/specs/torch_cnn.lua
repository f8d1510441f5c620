-- tests/specs/torch_cnn.lua: a small CNN trained by the C trainer and by its
-- PyTorch twin (tests/test_interop.py): a strided conv with padding, max and
-- average pooling, flatten, Adam on batches (no dropout: PyTorch draws its own masks)
return network "torch_cnn" {
  input = { 1, 28, 28 },
  conv2d { 4, kernel = 5, stride = 2, padding = 1, activation = "relu" },
  maxpool2d { 2 },
  conv2d { 6, kernel = 3, padding = "same", activation = "tanh" },
  avgpool2d { 2, stride = 1 },
  flatten {},
  dense { 10, activation = "softmax" },
  loss  = "cross_entropy",
  dtype = "double",
  train = { optimizer = "adam", rate = 0.01, batch = 10, epochs = 1, seed = 5 },
}
