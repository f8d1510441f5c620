-- nets/diabetes.lua: regression on the diabetes table of Efron et al. (2004),
-- as scikit-learn ships it: 442 patients, 10 baseline measurements (age, sex,
-- body mass index, blood pressure, six blood serum values), and a measure of
-- disease progression one year later (25..346) to predict. An identity
-- output trained on squared error is a regression net: the trainer reports
-- RMSE, MAE and R^2:
--   make build NET=diabetes.lua && ./out/diabetes/diabetes --data tests/data/diabetes.csv
return network "diabetes" {
  input = { 10, normalize = "standardize" },
  dense { 16, activation = "relu" },
  dense { 1,  activation = "identity" },
  loss  = "squared_error",
  train = { optimizer = "adam", rate = 0.02, batch = 16, epochs = 60, seed = 1 },
}
