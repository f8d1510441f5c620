-- nets/iris.lua: Fisher's iris (150 flowers, 4 measurements in cm, 3 species),
-- from a CSV file: make NET=iris.lua ARGS='--data tests/data/iris.csv'.
-- The measurements are standardized with statistics of the training rows,
-- kept in the model file and in the exported weights.
return network "iris" {
  input = { 4, normalize = "standardize" },
  dense { 16, activation = "tanh" },
  dense { 3,  activation = "softmax" },
  loss  = "cross_entropy",
  train = { optimizer = "adam", rate = 0.01, batch = 1, epochs = 60, seed = 1 },
}
