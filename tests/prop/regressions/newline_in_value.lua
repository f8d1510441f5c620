return network "bad" {
  input = 4,
  dense { 3, activation = "tanh\ntanh" },
  dense { 2, activation = "sigmoid" },
  loss = "squared_error",
}
-- regression (tests/test_props.c, broken seeds 26, ... with "two\nlines"):
-- a string from the spec was echoed raw, so its newline split the error
-- into two lines, the second not "SPEC:LINE: error: ...".
-- expect: tests/prop/regressions/newline_in_value.lua:3: error: dense: unknown activation 'tanh\10tanh' (known: sigmoid, tanh, relu, leaky_relu, identity, softmax)
