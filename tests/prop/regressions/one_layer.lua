-- regression (tests/test_props.c, valid seed 3 at 9e83fa7): a single layer
-- sends no delta back, so p was unused in NAME_backward and
-- NAME_batch_backward: -Werror=unused-parameter. Fixed since ((void)p).
return network "reg_one_layer" {
  input = 1,
  dense { 2, activation = "softmax" },
  loss = "cross_entropy",
  dtype = "double",
  train = { batch = 3 },
}
