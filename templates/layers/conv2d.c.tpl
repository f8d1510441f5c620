@ -- All passes of one conv2d layer, forward beside backward. In scope: m, L,
@ -- P (the layer before, or false). L.rows[k] / L.cols[k] give, for kernel
@ -- row (column) k, the output rows (columns) [lo, hi) that read inside the
@ -- input, at input row i*stride + off: padding costs no test at run time.
@ local T = m.T

/* $(L.id): conv2d $(L.C)x$(L.H)x$(L.W) -> $(L.O)x$(L.OH)x$(L.OW), $(L.KH)x$(L.KW) kernel, stride $(L.SH)x$(L.SW), $(L.pad_text), $(L.activation)
 *   z[o][i][j] = b[o] + sum_c sum_kh sum_kw w[o][c][kh][kw] * x[c][i*$(L.SH) + kh - $(L.PH)][j*$(L.SW) + kw - $(L.PW)]
 *   (cross-correlation: the kernel is not flipped; x is 0 outside the input)
 *   y = $(L.activation)(z)        x: $(L.in_type), y: $(L.out_type) */
static void $(m.name)_$(L.id)_forward($(L.out_type) *restrict y, const $(L.params_type) *restrict p,
$(pad("static void " .. m.name .. "_" .. L.id .. "_forward"))const $(L.in_type) *restrict x)
{
    for (int o = 0; o < $(L.O); ++o) {
        $(T) (*restrict z)[$(L.OW)] = y->v[o];
        for (int i = 0; i < $(L.OH); ++i)
            for (int j = 0; j < $(L.OW); ++j)
                z[i][j] = p->b[o];
        for (int c = 0; c < $(L.C); ++c) {
            const $(T) (*restrict xc)[$(L.W)] = x->v[c];
@ for _, r in ipairs(L.rows) do
@   for _, q in ipairs(L.cols) do
@     if r.hi > r.lo and q.hi > q.lo then
            {
                const $(T) wv = p->w[o][c][$(r.k)][$(q.k)];
                for (int i = $(r.lo); i < $(r.hi); ++i)
                    for (int j = $(q.lo); j < $(q.hi); ++j)
                        z[i][j] += wv * xc[$(r.at)][$(q.at)];
            }
@     end
@   end
@ end
        }
@ if L.activation ~= "identity" then
        for (int i = 0; i < $(L.OH); ++i)
            for (int j = 0; j < $(L.OW); ++j)
                z[i][j] = $(act(L, "z[i][j]"));
@ end
    }
}
#ifndef $(m.NAME)_INFERENCE_ONLY

/* $(L.id) backward, one row added into g: from the forward pass above,
 *   db[o] += sum_ij d[o][i][j]
 *   dw[o][c][kh][kw] += sum_ij d[o][i][j] * x[c][i*$(L.SH) + kh - $(L.PH)][j*$(L.SW) + kw - $(L.PW)]
@ if P then
 *   dx[c][i*$(L.SH) + kh - $(L.PH)][j*$(L.SW) + kw - $(L.PW)] = (sum_o sum_kh sum_kw w[o][c][kh][kw] * d[o][i][j])
 *                                        * $(P.deriv_name)'(x),  $(P.deriv_name)' = $(P.deriv("x")) in terms of x = $(P.id) output
@ else
 *   first layer: no gradient for the network input
@ end
 * Each dw sum runs over j in $(L.OW) partial sums, then adds them in order. */
static void $(m.name)_$(L.id)_backward_row($(L.grads_type) *restrict g, $(P and (P.delta_type .. " *restrict dx, const " .. L.params_type .. " *restrict p, ") or "")
$(pad("static void " .. m.name .. "_" .. L.id .. "_backward_row"))const $(L.in_type) *restrict x, const $(L.delta_type) *restrict d)
{
@ if P then
    for (int c = 0; c < $(L.C); ++c)
        for (int i = 0; i < $(L.H); ++i)
            for (int j = 0; j < $(L.W); ++j)
                dx->v[c][i][j] = $(m.ZERO);
@ end
    for (int o = 0; o < $(L.O); ++o) {
        const $(T) (*restrict dz)[$(L.OW)] = d->v[o];
        $(T) db = $(m.ZERO);
        for (int i = 0; i < $(L.OH); ++i)
            for (int j = 0; j < $(L.OW); ++j)
                db += dz[i][j];
        g->b[o] += db;
        for (int c = 0; c < $(L.C); ++c) {
            const $(T) (*restrict xc)[$(L.W)] = x->v[c];
@ if P then
            $(T) (*restrict dxc)[$(L.W)] = dx->v[c];
@ end
@ for _, r in ipairs(L.rows) do
@   for _, q in ipairs(L.cols) do
@     if r.hi > r.lo and q.hi > q.lo then
            {
                $(T) acc[$(q.hi - q.lo)] = {$(m.ZERO)};
@       if P then
                const $(T) wv = p->w[o][c][$(r.k)][$(q.k)];
@       end
                for (int i = $(r.lo); i < $(r.hi); ++i)
                    for (int j = $(q.lo); j < $(q.hi); ++j) {
                        acc[j - $(q.lo)] += dz[i][j] * xc[$(r.at)][$(q.at)];
@       if P then
                        dxc[$(r.at)][$(q.at)] += wv * dz[i][j];
@       end
                    }
                $(T) s = $(m.ZERO);
                for (int j = 0; j < $(q.hi - q.lo); ++j)
                    s += acc[j];
                g->w[o][c][$(r.k)][$(q.k)] += s;
            }
@     end
@   end
@ end
        }
    }
@ if P and P.has_deriv then
    for (int c = 0; c < $(L.C); ++c)
        for (int i = 0; i < $(L.H); ++i)
            for (int j = 0; j < $(L.W); ++j)
                dx->v[c][i][j] *= $(P.deriv("x->v[c][i][j]"));
@ end
}

/* $(L.id) backward: g set to this sample's gradient */
static void $(m.name)_$(L.id)_backward($(L.grads_type) *restrict g, $(P and (P.delta_type .. " *restrict dx, const " .. L.params_type .. " *restrict p, ") or "")
$(pad("static void " .. m.name .. "_" .. L.id .. "_backward"))const $(L.in_type) *restrict x, const $(L.delta_type) *restrict d)
{
$(loops(L.tensors[1], "    ", "g->w" .. L.tensors[1].index .. " = " .. m.ZERO .. ";"))
$(loops(L.tensors[2], "    ", "g->b" .. L.tensors[2].index .. " = " .. m.ZERO .. ";"))
    $(m.name)_$(L.id)_backward_row(g, $(P and "dx, p, " or "")x, d);
}
@ if m.batch > 1 then

/* $(L.id) batch forward: the forward pass above, row by row */
static void $(m.name)_$(L.id)_batch_forward($(L.batch_out_type) *restrict y, const $(L.params_type) *restrict p,
$(pad("static void " .. m.name .. "_" .. L.id .. "_batch_forward"))const $(L.batch_in_type) *restrict x)
{
    for (int s = 0; s < $(m.batch); ++s)
        $(m.name)_$(L.id)_forward(&y->row[s], p, &x->row[s]);
}

/* $(L.id) batch backward: the rows' gradients summed in order over the n real
 * rows (rows past n are never read) */
static void $(m.name)_$(L.id)_batch_backward($(L.grads_type) *restrict g, $(P and (P.batch_delta_type .. " *restrict dx, const " .. L.params_type .. " *restrict p, ") or "")
$(pad("static void " .. m.name .. "_" .. L.id .. "_batch_backward"))const $(L.batch_in_type) *restrict x, const $(L.batch_delta_type) *restrict d, int n)
{
$(loops(L.tensors[1], "    ", "g->w" .. L.tensors[1].index .. " = " .. m.ZERO .. ";"))
$(loops(L.tensors[2], "    ", "g->b" .. L.tensors[2].index .. " = " .. m.ZERO .. ";"))
    for (int s = 0; s < n; ++s)
        $(m.name)_$(L.id)_backward_row(g, $(P and "&dx->row[s], p, " or "")&x->row[s], &d->row[s]);
}
@ end
#endif /* $(m.NAME)_INFERENCE_ONLY */
