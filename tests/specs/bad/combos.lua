return network "bad" {
  input = 4,
  dense { 8, activation = "softmax" },
  dense { 2, activation = "tanh" },
  loss = "cross_entropy",
  train = {
    rate = 0,
    momentum = 0.9,
  },
}
-- expect: tests/specs/bad/combos.lua:3: error: dense: softmax is allowed only on the last layer (this is layer 1 of 2)
-- expect: tests/specs/bad/combos.lua:5: error: network: loss 'cross_entropy' needs a softmax output layer, the last layer is 'tanh'
-- expect: tests/specs/bad/combos.lua:7: error: train: rate must be positive, got 0
-- expect: tests/specs/bad/combos.lua:8: error: train: momentum applies only to optimizer 'momentum' or 'nesterov'
