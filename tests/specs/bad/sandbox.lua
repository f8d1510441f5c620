os.execute("touch /tmp/constnet-was-here")
return network "bad" {
  input = 4,
  dense { 2, activation = "sigmoid" },
  loss = "squared_error",
}
-- expect: tests/specs/bad/sandbox.lua:1: error: unknown name 'os' (a spec can use: dense, conv2d, maxpool2d, avgpool2d, flatten, dropout, network)
