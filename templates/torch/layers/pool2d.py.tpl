@ -- one maxpool2d or avgpool2d layer's parts (see gen/torch.lua): no parameters;
@ -- floor mode (windows past the edge left out), as in the C.
@ if part == "new" then
        # $(L.id): $(L.kind) $(L.KH)x$(L.KW), stride $(L.SH)x$(L.SW)
        self.$(L.id) = nn.$(L.op == "max" and "MaxPool2d" or "AvgPool2d")(($(L.KH), $(L.KW)), stride=($(L.SH), $(L.SW)))
@ elseif part == "expr" then
self.$(L.id)(x)
@ end
