@ -- one dense layer's parts in the PyTorch module (see gen/torch.lua). constnet stores
@ -- w[in][out], input i to output j; nn.Linear's weight is (out, in): the transpose
@ -- between the two lives here and nowhere else.
@ if part == "new" then
        # $(L.id): dense $(L.n_in) -> $(L.n_out), $(L.activation); weight[j][i] is the C's w[i][j]
        self.$(L.id) = nn.Linear($(L.n_in), $(L.n_out), dtype=DTYPE)
@ elseif part == "expr" then
self.$(L.id)(x)
@ elseif part == "init" then
@   if L.init_kind == "uniform" then
    # $(L.id): $(L.init), w ~ U($(L.init_low_lit), $(L.init_high_lit)), b = 0, drawn in the order w[i][j]
    w = [$(L.init_low_lit) + $(L.init_span_lit) * rng.uniform() for _ in range($(L.n_in) * $(L.n_out))]
@   elseif L.init_kind == "normal" then
    # $(L.id): $(L.init), w ~ N(0, $(L.init_std_lit)^2), b = 0, drawn in the order w[i][j]
    w = [$(L.init_std_lit) * rng.normal() for _ in range($(L.n_in) * $(L.n_out))]
@   else
    # $(L.id): zeros
    w = [0.0] * ($(L.n_in) * $(L.n_out))
@   end
    _put(net.$(L.id).weight, torch.tensor(w, dtype=DTYPE).reshape($(L.n_in), $(L.n_out)).t())
    _put(net.$(L.id).bias, torch.zeros($(L.n_out), dtype=DTYPE))
@ elseif part == "to_flat" then
    # $(L.id): w[$(L.n_in)][$(L.n_out)] (weight transposed), then b[$(L.n_out)]
    parts += [net.$(L.id).weight.t().reshape(-1), net.$(L.id).bias]
@ elseif part == "from_flat" then
    k = _put(net.$(L.id).weight, flat[k:k + $(L.n_weights)].reshape($(L.n_in), $(L.n_out)).t(), k + $(L.n_weights))
    k = _put(net.$(L.id).bias, flat[k:k + $(L.n_out)], k + $(L.n_out))
@ end
