@ -- one conv2d layer's parts in the PyTorch module (see gen/torch.lua). constnet's
@ -- w[o][c][kh][kw] is nn.Conv2d's weight layout, and both are cross-correlation.
@ if part == "new" then
        # $(L.id): conv2d $(L.C)x$(L.H)x$(L.W) -> $(L.O)x$(L.OH)x$(L.OW), $(L.activation)
        self.$(L.id) = nn.Conv2d($(L.C), $(L.O), ($(L.KH), $(L.KW)), stride=($(L.SH), $(L.SW)), padding=($(L.PH), $(L.PW)), dtype=DTYPE)
@ elseif part == "expr" then
self.$(L.id)(x)
@ elseif part == "to_flat" then
    # $(L.id): w[$(L.O)][$(L.C)][$(L.KH)][$(L.KW)], then b[$(L.O)]
    parts += [net.$(L.id).weight.reshape(-1), net.$(L.id).bias]
@ elseif part == "from_flat" then
    k = _put(net.$(L.id).weight, flat[k:k + $(L.O * L.C * L.KH * L.KW)].reshape($(L.O), $(L.C), $(L.KH), $(L.KW)), k + $(L.O * L.C * L.KH * L.KW))
    k = _put(net.$(L.id).bias, flat[k:k + $(L.O)], k + $(L.O))
@ end
