return network "bad\nname" {
  input = 4,
  dense { 3, activation = "tanh", ["two\nlines"] = 1 },
  loss = "squared_error",
}
-- regression (tests/test_props.c, broken seeds 26, ... with "two\nlines"): a
-- key or the network's name echoed raw splits the error in two lines; escaping
-- in show() alone covers values, not these (check_keys uses tostring(k), the
-- name check prints result.name).
-- expect: tests/prop/regressions/newline_in_key_and_name.lua:1: error: network: name 'bad\10name' must be a C identifier of at most 32 characters
-- expect: tests/prop/regressions/newline_in_key_and_name.lua:3: error: dense: unknown key 'two\10lines' (known: activation, init, slope, unroll)
