-- tanh before flatten and before dropout, which pass the gradient through
-- times the derivative 1 - y^2 (a factor: d * (1 - y * y)); batches of 3
return network "grad_tanh_pass" {
  input = { 1, 6, 5 },
  conv2d { 2, kernel = 3, activation = "tanh" },
  flatten {},
  dense { 5, activation = "tanh" },
  dropout { 0.3 },
  dense { 3, activation = "identity" },
  loss = "squared_error",
  dtype = "double",
  train = { optimizer = "sgd", batch = 3, rate = 0.05 },
}
