return network "bad" {
  input = 4
  dense { 2, activation = "sigmoid" },
  loss = "squared_error",
}
-- expect: tests/specs/bad/syntax.lua:3: error: '}' expected (to close '{' at line 1) near 'dense'
