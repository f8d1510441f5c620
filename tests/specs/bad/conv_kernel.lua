return network "conv_kernel" {
  input = { 1, 5, 4 },
  conv2d { 2, kernel = 7, activation = "relu" },
  conv2d { 2, kernel = 3, stride = 0, activation = "relu" },
  conv2d { 2, kernal = 3, activation = "relu", padding = "full" },
  flatten {},
  dense { 2, activation = "sigmoid" },
  loss = "squared_error",
}
-- expect: tests/specs/bad/conv_kernel.lua:3: error: conv2d: a 7x7 kernel does not fit the 1x5x4 input (5x4 with padding)
-- expect: tests/specs/bad/conv_kernel.lua:4: error: conv2d: stride must be an integer from 1 to 4096 or a pair { H, W } of them, got 0
-- expect: tests/specs/bad/conv_kernel.lua:5: error: conv2d: unknown key 'kernal' (known: kernel, stride, padding, activation, init, slope), did you mean 'kernel'?
-- expect: tests/specs/bad/conv_kernel.lua:5: error: conv2d: missing kernel size, as in kernel = 3 or kernel = { 3, 5 }
-- expect: tests/specs/bad/conv_kernel.lua:5: error: conv2d: unknown padding 'full' (known: valid, same)
