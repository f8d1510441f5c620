@ -- one dropout layer's parts (see gen/torch.lua): inverted dropout, as in the C;
@ -- PyTorch draws its own masks, so training runs differ from the C's in the masks.
@ if part == "new" then
        self.$(L.id) = nn.Dropout($(L.rate))  # $(L.id): dropout
@ elseif part == "expr" then
self.$(L.id)(x)
@ end
