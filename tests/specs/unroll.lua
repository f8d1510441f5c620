-- one net, generated twice (--unroll full and --unroll loops) to show both
-- forms compute the same numbers. Layer widths 19, 7 and 3 give each input
-- gradient's partial sums (gen/layers/dense.lua, DX_LANES) more than one full
-- block and a tail, one block and a tail, and fewer lanes than DX_LANES.
-- 150 inputs, most of them 0 in the test: the loops form lists the inputs
-- that are not 0 in two chunks (gen/layers/dense.lua, LIST_INPUTS = 128: 128,
-- then 16 + 6, 16 at a time where the target has AVX-512), the full form
-- sums them all.
return network "unroll" {
  input = 150,
  dense { 9, activation = "sigmoid" },
  dense { 19, activation = "relu" },
  dense { 7, activation = "tanh" },
  dense { 3, activation = "softmax" },
  loss = "cross_entropy",
}
