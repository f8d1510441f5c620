return network "bad" {
  input = 784,
  dense { 128, activation = "relu" },
  dense { 10, activation = "softmax" },
  loss = "cross_entropy",
  train = { optimizer = "adam", batch = 32 },
  budget = { inference = "64 KiB", training = "1 MiB" },
}
-- expect: tests/specs/bad/budget_over.lua:7: error: budget: inference needs 410848 bytes (401.2 KiB), over the budget of 64 KiB
-- expect: tests/specs/bad/budget_over.lua:7: error: budget: training needs 1782952 bytes (1.7 MiB), over the budget of 1 MiB
