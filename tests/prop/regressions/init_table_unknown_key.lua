return network "bad" {
  input = 4,
  dense { 3, activation = "tanh", init = { "uniform", -0.1, 0.1, seed = 3 } },
  dense { 2, activation = "sigmoid" },
  loss = "squared_error",
}
-- regression (tests/test_props.c, broken seeds 26, 83, 176, ...): a key in
-- the init table besides the three values was ignored (exit 0, files
-- written); a typo must never be ignored silently.
-- expect: tests/prop/regressions/init_table_unknown_key.lua:3: error: dense: init table must be { "uniform", LOW, HIGH } with LOW < HIGH
