return network "bad" {
  input = 4,
  desne { 2, activation = "sigmoid" },
  loss = "squared_error",
}
-- expect: tests/specs/bad/unknown_name.lua:3: error: unknown name 'desne' (a spec can use: dense, conv2d, maxpool2d, avgpool2d, flatten, dropout, network), did you mean 'dense'?
