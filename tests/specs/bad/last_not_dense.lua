return network "last_not_dense" {
  input = { 1, 8, 8 },
  conv2d { 4, kernel = 3, activation = "softmax" },
  flatten {},
  loss = "squared_error",
  train = { augment = { shift = 9, flip = true } },
}
-- expect: tests/specs/bad/last_not_dense.lua:3: error: conv2d: softmax is allowed only on the last layer (this is layer 1 of 2)
-- expect: tests/specs/bad/last_not_dense.lua:4: error: flatten: the last layer must be dense, since it computes the outputs the loss compares
-- expect: tests/specs/bad/last_not_dense.lua:6: error: augment: unknown key 'flip' (known: shift)
-- expect: tests/specs/bad/last_not_dense.lua:6: error: augment: shift must be an integer from 0 to 8 pixels, got 9
