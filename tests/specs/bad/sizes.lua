return network "bad" {
  input = 1e9,
  dense { 0, activation = "relu" },
  dense { -3, activation = "relu" },
  dense { 2.5, activation = "relu" },
  dense { "ten", activation = "relu" },
  dense { activation = "sigmoid" },
  loss = "squared_error",
}
-- expect: tests/specs/bad/sizes.lua:2: error: network: input is 1000000000, more than the limit of 1048576
-- expect: tests/specs/bad/sizes.lua:3: error: dense: size must be a positive integer, got 0
-- expect: tests/specs/bad/sizes.lua:4: error: dense: size must be a positive integer, got -3
-- expect: tests/specs/bad/sizes.lua:5: error: dense: size must be a positive integer, got 2.5
-- expect: tests/specs/bad/sizes.lua:6: error: dense: size must be a positive integer, got string 'ten'
-- expect: tests/specs/bad/sizes.lua:7: error: dense: missing size, as in dense { 128, activation = "relu" }
