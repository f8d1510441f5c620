-- 1000 layers: more C than the limit
local layers = {}
for i = 1, 1000 do layers[i] = dense { 4, activation = "relu" } end
layers.input = 4
layers.loss = "squared_error"
return network "many" (layers)
-- expect: tests/specs/bad/layers_size.lua:6: error: network: 1000 layers would generate about 11.7 MiB of C, more than the limit of 8.0 MiB
