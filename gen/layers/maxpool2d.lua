-- gen/layers/maxpool2d.lua: max over each window, y[c][oh][ow] = max x[c][...]
return require("gen.layers.pool2d")("maxpool2d", "max")
