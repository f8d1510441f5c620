-- bench/small.lua: a small net for the unroll-policy table of bench/run.sh,
-- 16-8-4 sigmoid, squared error, plain SGD one sample at a time. Small
-- enough that unroll = "full" compiles in moments.
return network "small" {
  input = 16,
  dense { 8, activation = "sigmoid" },
  dense { 4, activation = "sigmoid" },
  loss  = "squared_error",
  train = { optimizer = "sgd", rate = 0.1, batch = 1, epochs = 1, seed = 1 },
}
