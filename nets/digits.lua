-- nets/digits.lua: scikit-learn's 8x8 digits (1797 images, 64 pixel counts
-- 0..16, 10 classes), from a CSV file of 64 columns and the label:
--   make build NET=digits.lua && ./out/digits/digits --data tests/data/digits.csv.gz
return network "digits" {
  input = { 64, normalize = "minmax" },
  dense { 64, activation = "relu" },
  dense { 10, activation = "softmax" },
  loss  = "cross_entropy",
  train = { optimizer = "adam", rate = 0.003, batch = 16, epochs = 40, seed = 1 },
}
