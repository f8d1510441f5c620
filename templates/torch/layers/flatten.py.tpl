@ -- one flatten layer's parts (see gen/torch.lua): (batch, C, H, W) -> (batch, C*H*W),
@ -- channel, row, column: the C's memory order.
@ if part == "new" then
        self.$(L.id) = nn.Flatten()  # $(L.id): flatten -> $(L.n_out)
@ elseif part == "expr" then
self.$(L.id)(x)
@ end
