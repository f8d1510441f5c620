return network "h" {
  input = 4,
  { kind = "dense", fields = 5 },
  loss = "squared_error",
}
-- expect: tests/specs/bad/hostile_layer.lua:1: error: network: entry 1 is not a layer; write one of: dense { ... }, conv2d { ... }, maxpool2d { ... }, avgpool2d { ... }, flatten { ... }, dropout { ... }
