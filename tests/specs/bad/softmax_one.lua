return network "bad" {
  input = 2,
  dense { 1, activation = "softmax" },
  loss = "cross_entropy",
}
-- expect: tests/specs/bad/softmax_one.lua:3: error: dense: softmax over 1 unit is always 1 and learns nothing; use sigmoid
