local net = network "bad" {
  input = 4,
  dense { 2, activation = "sigmoid" },
  loss = "squared_error",
}
-- expect: tests/specs/bad/no_return.lua:1: error: a spec must return its network: return network "NAME" { ... }
