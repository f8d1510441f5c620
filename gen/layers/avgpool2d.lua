-- gen/layers/avgpool2d.lua: mean over each window, y[c][oh][ow] = mean x[c][...]
return require("gen.layers.pool2d")("avgpool2d", "avg")
