-- larger layers in the loop form, odd sizes, a 1-unit layer, normal inits
return network "grad_loops" {
  input = 21,
  dense { 17, activation = "sigmoid", init = "glorot_normal" },
  dense { 1,  activation = "tanh", init = "he_normal" },
  dense { 2,  activation = "sigmoid" },
  loss = "squared_error",
  dtype = "double",
  unroll = "loops",
}
