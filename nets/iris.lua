-- nets/iris.lua: Fisher's iris (150 flowers, 4 measurements in cm, 3 species),
-- from a CSV file:
--   make build NET=iris.lua && ./out/iris/iris --data tests/data/iris.csv
-- The measurements are standardized with statistics of the training rows,
-- kept in the model file and in the exported weights. One sample per step:
-- at batch 8, gcc 12 -O3 -march=native (znver3) built this shape's batched
-- backward pass wrong (its gradient differed from the mean of the per-sample
-- gradients by up to 0.08; clang, and gcc at -O2 or without -march=native,
-- were right), and 150 rows train in under a second anyway.
return network "iris" {
  input = { 4, normalize = "standardize" },
  dense { 16, activation = "tanh" },
  dense { 3,  activation = "softmax" },
  loss  = "cross_entropy",
  train = { optimizer = "adam", rate = 0.01, batch = 1, epochs = 60, seed = 1 },
}
