-- one net, generated twice (--unroll full and --unroll loops) to show both
-- forms compute the same numbers. Layer widths 19, 7 and 3 give each input
-- gradient's partial sums (gen/layers/dense.lua, DX_LANES) more than one full
-- block and a tail, one block and a tail, and fewer lanes than DX_LANES.
return network "unroll" {
  input = 13,
  dense { 9, activation = "sigmoid" },
  dense { 19, activation = "relu" },
  dense { 7, activation = "tanh" },
  dense { 3, activation = "softmax" },
  loss = "cross_entropy",
}
