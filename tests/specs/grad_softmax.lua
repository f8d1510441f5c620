-- softmax output with cross-entropy, in the loop form
return network "grad_softmax" {
  input = 6,
  dense { 5, activation = "tanh" },
  dense { 4, activation = "softmax" },
  loss = "cross_entropy",
  dtype = "double",
  unroll = "loops",
}
