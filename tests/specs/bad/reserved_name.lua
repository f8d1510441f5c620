-- a network named like a runtime module: its train.h would shadow the runtime's
return network "train" {
  input = 4,
  dense { 2, activation = "sigmoid" },
  loss = "squared_error",
}
-- expect: tests/specs/bad/reserved_name.lua:2: error: network: name 'train' is reserved: train.h and train.c would clash with the runtime's or the C library's files of that name
