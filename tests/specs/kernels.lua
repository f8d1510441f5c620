-- the batched kernels (gen/layers/gemm.lua) in float: widths that are not
-- whole vectors, a batch that is not whole row blocks, relu outputs and a
-- first layer whose inputs are often 0 (the skipped inputs), a conv layer
-- (its columns kept per row) and dropout (masks per row)
return network "kernels" {
  input = { 1, 6, 7 },
  conv2d { 3, kernel = 3, padding = "same", activation = "relu" },
  flatten {},
  dense { 53, activation = "relu" },
  dropout { 0.25 },
  dense { 20, activation = "sigmoid" },
  dense { 7, activation = "softmax" },
  loss = "cross_entropy",
  train = { optimizer = "adam", batch = 13, rate = 0.01 },
}
