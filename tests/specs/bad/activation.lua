return network "bad" {
  input = 4,
  dense { 8, activation = "sigmiod" },
  dense { 2, activation = "softmax" },
  loss = "cross_entropy",
}
-- expect: tests/specs/bad/activation.lua:3: error: dense: unknown activation 'sigmiod' (known: sigmoid, tanh, relu, leaky_relu, identity, softmax), did you mean 'sigmoid'?
