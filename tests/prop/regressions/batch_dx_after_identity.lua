-- regression (tests/test_props.c, valid seeds 2, 5, 9, ...): a layer after an
-- identity layer, batch > 1. The batched dx loop declares
-- `const double xi = x->row[s].v[i];` but identity's derivative is the
-- constant 1 and never reads it: -Werror=unused-variable.
return network "reg_dx_identity" {
  input = 3,
  dense { 2, activation = "identity" },
  dense { 2, activation = "sigmoid" },
  loss = "squared_error",
  dtype = "double",
  train = { batch = 2 },
}
