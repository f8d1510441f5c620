@ -- one dense layer's parts in the PyTorch module (see gen/torch.lua). constnet stores
@ -- w[in][out], input i to output j; nn.Linear's weight is (out, in): the transpose
@ -- between the two lives here and nowhere else.
@ if part == "new" then
        # $(L.id): dense $(L.n_in) -> $(L.n_out), $(L.activation); weight[j][i] is the C's w[i][j]
        self.$(L.id) = nn.Linear($(L.n_in), $(L.n_out), dtype=DTYPE)
@ elseif part == "expr" then
self.$(L.id)(x)
@ elseif part == "to_flat" then
    # $(L.id): w[$(L.n_in)][$(L.n_out)] (weight transposed), then b[$(L.n_out)]
    parts += [net.$(L.id).weight.t().reshape(-1), net.$(L.id).bias]
@ elseif part == "from_flat" then
    k = _put(net.$(L.id).weight, flat[k:k + $(L.n_in * L.n_out)].reshape($(L.n_in), $(L.n_out)).t(), k + $(L.n_in * L.n_out))
    k = _put(net.$(L.id).bias, flat[k:k + $(L.n_out)], k + $(L.n_out))
@ end
