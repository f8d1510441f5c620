return network "bad" {
  input = 784,
  dense { 128, activation = "relu" },
  dense { 10, activation = "softmax" },
  loss = "cross_entropy",
  budget = {
    inference = "64 KiB",
    training = "lots",
  },
}
-- expect: tests/specs/bad/budget.lua:8: error: budget: training must be a size such as 65536 or "64 KiB" (units: B, KiB, MiB, GiB, kB, MB, GB), got 'lots'
