-- tests/specs/grad_conv.lua: convolution and pooling with odd sizes for the
-- gradient checks: a non-square input of two channels, a non-square kernel
-- with stride 2 and explicit padding, an overlapping max pool, a "same" conv,
-- an average pool whose windows do not divide the input; one sample at a time.
return network "grad_conv" {
  input = { 2, 7, 6 },
  conv2d { 3, kernel = { 3, 2 }, stride = { 2, 1 }, padding = { 1, 0 }, activation = "tanh" },
  maxpool2d { 2, stride = 1 },
  conv2d { 2, kernel = 3, padding = "same", activation = "sigmoid" },
  avgpool2d { { 2, 3 } },
  flatten {},
  dense { 3, activation = "softmax" },
  loss = "cross_entropy",
  dtype = "double",
  train = { optimizer = "adam", seed = 3 },
}
