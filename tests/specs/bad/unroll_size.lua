-- full unrolling of 784 x 128 would be megabytes of C that gcc takes minutes on
return network "big" {
  input = 784,
  dense { 128, activation = "relu", unroll = "full" },
  dense { 10, activation = "softmax" },
  loss = "cross_entropy",
}
-- expect: tests/specs/bad/unroll_size.lua:4: error: dense: unroll 'full' of 784 x 128 weights would generate about 13.4 MiB of C, more than the limit of 8.0 MiB; use unroll = "loops"
