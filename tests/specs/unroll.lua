-- one net, generated twice (--unroll full and --unroll loops) to show both
-- forms compute the same numbers
return network "unroll" {
  input = 13,
  dense { 9, activation = "sigmoid" },
  dense { 7, activation = "relu" },
  dense { 3, activation = "softmax" },
  loss = "cross_entropy",
}
