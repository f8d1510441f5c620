return network "bud" {
  input = 784,
  dense { 10, activation = "softmax" },
  loss = "cross_entropy",
  budget = { flash = "16 KiB",
             ram = "3 KiB" },
}
-- expect: tests/specs/bad/budget_flash.lua:5: error: budget: flash needs 31400 bytes (30.7 KiB), over the budget of 16 KiB
-- expect: tests/specs/bad/budget_flash.lua:6: error: budget: ram needs 3256 bytes (3.2 KiB), over the budget of 3 KiB
