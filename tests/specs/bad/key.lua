return network "bad" {
  input = 4,
  dense { 8, activaton = "relu" },
  dense { 2, activation = "sigmoid" },
  los = "squared_error",
  train = { rate = 0.1, epoch = 3 },
}
-- expect: tests/specs/bad/key.lua:1: error: network: missing loss (known: squared_error, cross_entropy, binary_cross_entropy)
-- expect: tests/specs/bad/key.lua:3: error: dense: unknown key 'activaton' (known: activation, init, slope, unroll), did you mean 'activation'?
-- expect: tests/specs/bad/key.lua:3: error: dense: missing activation (known: sigmoid, tanh, relu, leaky_relu, identity, softmax)
-- expect: tests/specs/bad/key.lua:5: error: network: unknown key 'los' (known: input, loss, dtype, unroll, train, budget), did you mean 'loss'?
-- expect: tests/specs/bad/key.lua:6: error: train: unknown key 'epoch' (known: optimizer, rate, batch, epochs, seed, momentum, beta1, beta2, epsilon, weight_decay, schedule, step_size, gamma, min_rate, validation, augment, threads), did you mean 'epochs'?
