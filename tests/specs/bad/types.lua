return network "bad name" {
  input = "784",
  dense { 2, activation = "sigmoid", slope = 0.1, init = "glorot" },
  loss = "squared_error",
  dtype = "half",
  train = { batch = 0, epochs = 2.5, seed = -1, optimizer = "sgdd", schedule = 3 },
}
-- expect: tests/specs/bad/types.lua:1: error: network: name 'bad name' must be a C identifier of at most 32 characters
-- expect: tests/specs/bad/types.lua:2: error: network: input must be a positive integer, got string '784'
-- expect: tests/specs/bad/types.lua:3: error: dense: unknown init 'glorot' (known: glorot_uniform, glorot_normal, he_uniform, he_normal, uniform, zeros)
-- expect: tests/specs/bad/types.lua:3: error: dense: slope applies only to activation 'leaky_relu'
-- expect: tests/specs/bad/types.lua:5: error: network: unknown dtype 'half' (known: float, double)
-- expect: tests/specs/bad/types.lua:6: error: train: unknown optimizer 'sgdd' (known: sgd, momentum, nesterov, adam), did you mean 'sgd'?
-- expect: tests/specs/bad/types.lua:6: error: train: batch must be an integer from 1 to 65536, got 0
-- expect: tests/specs/bad/types.lua:6: error: train: epochs must be an integer from 1 to 1000000, got 2.5
-- expect: tests/specs/bad/types.lua:6: error: train: seed must be an integer from 0 to 9223372036854775807, got -1
-- expect: tests/specs/bad/types.lua:6: error: train: unknown schedule 3 (known: constant, step, cosine)
