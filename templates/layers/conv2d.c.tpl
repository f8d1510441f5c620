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
    /* $(L.OB) output channels by up to $(L.jblocks[1].width) columns of row i in registers at a time; each z
     * sums b, then c, kh, kw in order. xs holds the input columns a block reads,
     * with zeros where the padding is. */
    $(T) xs[$(L.XS)];
    for (int i = 0; i < $(L.OH); ++i)
        for (int o0 = 0; o0 < $(L.O); o0 += $(L.OB)) {
@ for _, jb in ipairs(L.jblocks) do
@   if jb.count > 1 then
            for (int j0 = $(jb.start); j0 < $(jb.start + jb.count * jb.width); j0 += $(jb.width)) {
@   else
            {
                const int j0 = $(jb.start);
@   end
@   for r = 0, L.OB - 1 do
                $(T) acc$(r)[$(jb.vw)];
@   end
                for (int jj = 0; jj < $(jb.vw); ++jj) {
@   for r = 0, L.OB - 1 do
                    acc$(r)[jj] = p->b[o0 + $(r)];
@   end
                }
                for (int c = 0; c < $(L.C); ++c) {
@   for kh = 0, L.KH - 1 do
                    {
                        const int ih = i * $(L.SH) + $(kh - L.PH);
@     if L.row_checks then
                        if (ih >= 0 && ih < $(L.H)) {
@     else
                        {
@     end
                            for (int t = 0; t < $(jb.span); ++t) {
                                const int col = j0 * $(L.SW) + t - $(L.PW);
                                xs[t] = (col >= 0 && col < $(L.W)) ? x->v[c][ih][col] : $(m.ZERO);
                            }
@     for kw = 0, L.KW - 1 do
@       for r = 0, L.OB - 1 do
                            const $(T) w$(r)_$(kw) = p->w[o0 + $(r)][c][$(kh)][$(kw)];
@       end
@     end
                            for (int jj = 0; jj < $(jb.vw); ++jj) {
@     for kw = 0, L.KW - 1 do
                                const $(T) xv$(kw) = xs[$(L.at_j) + $(kw)];
@     end
@     for r = 0, L.OB - 1 do
@       for kw = 0, L.KW - 1 do
                                acc$(r)[jj] = $(m.NAME)_MADD(w$(r)_$(kw), xv$(kw), acc$(r)[jj]);
@       end
@     end
                            }
                        }
                    }
@   end
                }
                for (int jj = 0; jj < $(jb.width); ++jj) { /* lanes past $(jb.width) are dropped */
@   for r = 0, L.OB - 1 do
                    y->v[o0 + $(r)][i][j0 + jj] = $(L.activation == "identity" and ("acc" .. r .. "[jj]") or act(L, "acc" .. r .. "[jj]"));
@   end
                }
            }
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

/* $(L.id) as columns: col[k][p] = x[c][i*$(L.SH) + kh - $(L.PH)][j*$(L.SW) + kw - $(L.PW)] (0 outside the image),
 * k = (c*$(L.KH) + kh)*$(L.KW) + kw < $(L.K), p = i*$(L.OW) + j < $(L.P); then z = b + w.col with w as w[o][k] */
static void $(m.name)_$(L.id)_im2col($(T) (*restrict col)[$(L.P)], const $(L.in_type) *restrict x)
{
    for (int c = 0; c < $(L.C); ++c)
        for (int kh = 0; kh < $(L.KH); ++kh)
            for (int kw = 0; kw < $(L.KW); ++kw) {
                $(T) *restrict ck = col[(c * $(L.KH) + kh) * $(L.KW) + kw];
                for (int i = 0; i < $(L.OH); ++i) {
                    const int ih = i * $(L.SH) + kh - $(L.PH);
                    for (int j = 0; j < $(L.OW); ++j) {
                        const int iw = j * $(L.SW) + kw - $(L.PW);
                        ck[i * $(L.OW) + j] = (ih >= 0 && ih < $(L.H) && iw >= 0 && iw < $(L.W)) ? x->v[c][ih][iw] : $(m.ZERO);
                    }
                }
            }
}

/* $(L.id) batch forward, rows s0 <= s < s1: for each row, z[o][p] = b[o] + sum_k w[o][k] col[k][p], in blocks of $(L.GO) output
 * channels by $(L.PB) columns in registers (k in order: the per-sample pass's order), y = $(L.activation)(z) */
static void $(m.name)_$(L.id)_batch_forward($(L.batch_out_type) *restrict y, $(T) (*restrict cols)[$(L.K)][$(L.P)],
$(pad("static void " .. m.name .. "_" .. L.id .. "_batch_forward"))const $(L.params_type) *restrict p, const $(L.batch_in_type) *restrict x, int s0, int s1)
{
    const $(T) (*restrict w)[$(L.K)] = (const $(T) (*)[$(L.K)])(const void *)p->w;
    for (int s = s0; s < s1; ++s) {
        $(T) (*restrict col)[$(L.P)] = cols[s]; /* kept for the batch gradient */
        $(m.name)_$(L.id)_im2col(col, &x->row[s]);
        $(T) (*restrict z)[$(L.P)] = ($(T) (*)[$(L.P)])(void *)y->row[s].v;
        for (int o0 = 0; o0 < $(L.O); o0 += $(L.GO)) {
@ for _, pb in ipairs(L.pblocks) do
@   if pb.count > 1 then
            for (int p0 = $(pb.start); p0 < $(pb.start + pb.count * pb.width); p0 += $(pb.width)) {
@   else
            {
                const int p0 = $(pb.start);
@   end
@   for r = 0, L.GO - 1 do
                $(T) acc$(r)[$(pb.width)];
@   end
                for (int q = 0; q < $(pb.width); ++q) {
@   for r = 0, L.GO - 1 do
                    acc$(r)[q] = p->b[o0 + $(r)];
@   end
                }
                for (int k = 0; k < $(L.K); ++k) {
                    const $(T) *restrict ck = &col[k][p0];
@   for r = 0, L.GO - 1 do
                    const $(T) w$(r) = w[o0 + $(r)][k];
@   end
                    for (int q = 0; q < $(pb.width); ++q) {
@   for r = 0, L.GO - 1 do
                        acc$(r)[q] = $(m.NAME)_MADD(w$(r), ck[q], acc$(r)[q]);
@   end
                    }
                }
                for (int q = 0; q < $(pb.width); ++q) {
@   for r = 0, L.GO - 1 do
                    z[o0 + $(r)][p0 + q] = $(L.activation == "identity" and ("acc" .. r .. "[q]") or act(L, "acc" .. r .. "[q]"));
@   end
                }
            }
@ end
        }
    }
}

/* $(L.id) batch gradient, summed over the n real rows (rows past n are never read),
 * part `part` of `parts`: the parts split the output channels in blocks of $(L.GO), and
 * each sum runs over s in order whatever the split, so any split gives the same bits.
 * The columns are those the batch forward pass kept:
 *   db[o] = sum_s sum_p d[s][o][p];  dw[o][k] = sum_s sum_p d[s][o][p] col_s[k][p]  ($(L.GO) x $(L.GK) blocks over p lanes) */
static void $(m.name)_$(L.id)_batch_grads($(L.grads_type) *restrict g, const $(T) (*restrict cols)[$(L.K)][$(L.P)],
$(pad("static void " .. m.name .. "_" .. L.id .. "_batch_grads"))const $(L.batch_delta_type) *restrict d, int n, int part, int parts)
{
    const int o_lo = $(L.O // L.GO) * part / parts * $(L.GO), o_hi = $(L.O // L.GO) * (part + 1) / parts * $(L.GO);
    $(T) (*restrict gw)[$(L.K)] = ($(T) (*)[$(L.K)])(void *)g->w;
    for (int o = o_lo; o < o_hi; ++o) {
        g->b[o] = $(m.ZERO);
        for (int k = 0; k < $(L.K); ++k)
            gw[o][k] = $(m.ZERO);
    }
    for (int s = 0; s < n; ++s) {
        const $(T) (*restrict ds)[$(L.P)] = (const $(T) (*)[$(L.P)])(const void *)d->row[s].v;
        const $(T) (*restrict col)[$(L.P)] = cols[s];
        for (int o = o_lo; o < o_hi; ++o) {
            $(T) db = $(m.ZERO);
            for (int q = 0; q < $(L.P); ++q)
                db += ds[o][q];
            g->b[o] += db;
        }
        for (int o0 = o_lo; o0 < o_hi; o0 += $(L.GO))
            for (int k0 = 0; k0 < $(L.K); k0 += $(L.GK)) {
@ for r = 0, L.GO - 1 do
@   for u = 0, L.GK - 1 do
                $(T) acc$(r)_$(u)[$(L.PB)] = {$(m.ZERO)};
@   end
@ end
@ for _, pb in ipairs(L.pblocks) do
@   if pb.count > 1 then
                for (int p0 = $(pb.start); p0 < $(pb.start + pb.count * pb.width); p0 += $(pb.width)) {
@   else
                {
                    const int p0 = $(pb.start);
@   end
                    for (int q = 0; q < $(pb.width); ++q) {
@   for r = 0, L.GO - 1 do
                        const $(T) d$(r) = ds[o0 + $(r)][p0 + q];
@   end
@   for u = 0, L.GK - 1 do
                        const $(T) c$(u) = col[k0 + $(u)][p0 + q];
@   end
@   for r = 0, L.GO - 1 do
@     for u = 0, L.GK - 1 do
                        acc$(r)_$(u)[q] = $(m.NAME)_MADD(d$(r), c$(u), acc$(r)_$(u)[q]);
@     end
@   end
                    }
                }
@ end
@ for r = 0, L.GO - 1 do
@   for u = 0, L.GK - 1 do
                {
                    $(T) t = $(m.ZERO);
                    for (int q = 0; q < $(L.PB); ++q)
                        t += acc$(r)_$(u)[q];
                    gw[o0 + $(r)][k0 + $(u)] += t;
                }
@   end
@ end
            }
    }
}
@ if P then

/* $(L.id) batch input gradient, rows s0 <= s < min(s1, n), each row with its own dcol:
 *   dcol[k][p] = sum_o w[o][k] d[s][o][p], added back where each column came from:
 *   dx[c][i*$(L.SH) + kh - $(L.PH)][j*$(L.SW) + kw - $(L.PW)] += dcol[k][p], then dx *= $(P.deriv_name)'(x) */
static void $(m.name)_$(L.id)_batch_dx($(P.batch_delta_type) *restrict dx, $(T) (*restrict dcols)[$(L.K)][$(L.P)],
$(pad("static void " .. m.name .. "_" .. L.id .. "_batch_dx"))const $(L.params_type) *restrict p, const $(L.batch_in_type) *restrict x,
$(pad("static void " .. m.name .. "_" .. L.id .. "_batch_dx"))const $(L.batch_delta_type) *restrict d, int n, int s0, int s1)
{
@ if not P.has_deriv then
    (void)x; /* $(P.id) is linear: its derivative is 1 */
@ end
    for (int s = s0; s < s1 && s < n; ++s) {
        const $(T) (*restrict ds)[$(L.P)] = (const $(T) (*)[$(L.P)])(const void *)d->row[s].v;
        $(T) (*restrict dcol)[$(L.P)] = dcols[s];
        const $(T) (*restrict w)[$(L.K)] = (const $(T) (*)[$(L.K)])(const void *)p->w;
        for (int k0 = 0; k0 < $(L.K); k0 += $(L.GK)) {
@   for _, pb in ipairs(L.pblocks) do
@     if pb.count > 1 then
            for (int p0 = $(pb.start); p0 < $(pb.start + pb.count * pb.width); p0 += $(pb.width)) {
@     else
            {
                const int p0 = $(pb.start);
@     end
@     for u = 0, L.GK - 1 do
                $(T) acc$(u)[$(pb.width)] = {$(m.ZERO)};
@     end
                for (int o = 0; o < $(L.O); ++o) {
                    const $(T) *restrict dq = &ds[o][p0];
@     for u = 0, L.GK - 1 do
                    const $(T) w$(u) = w[o][k0 + $(u)];
@     end
                    for (int q = 0; q < $(pb.width); ++q) {
@     for u = 0, L.GK - 1 do
                        acc$(u)[q] = $(m.NAME)_MADD(w$(u), dq[q], acc$(u)[q]);
@     end
                    }
                }
                for (int q = 0; q < $(pb.width); ++q) {
@     for u = 0, L.GK - 1 do
                    dcol[k0 + $(u)][p0 + q] = acc$(u)[q];
@     end
                }
            }
@   end
        }
        $(P.delta_type) *restrict dxs = &dx->row[s];
        for (int c = 0; c < $(L.C); ++c)
            for (int i = 0; i < $(L.H); ++i)
                for (int j = 0; j < $(L.W); ++j)
                    dxs->v[c][i][j] = $(m.ZERO);
        for (int c = 0; c < $(L.C); ++c)
            for (int kh = 0; kh < $(L.KH); ++kh)
                for (int kw = 0; kw < $(L.KW); ++kw) {
                    const $(T) *restrict dk = dcol[(c * $(L.KH) + kh) * $(L.KW) + kw];
                    for (int i = 0; i < $(L.OH); ++i) {
                        const int ih = i * $(L.SH) + kh - $(L.PH);
                        if (ih < 0 || ih >= $(L.H))
                            continue;
                        for (int j = 0; j < $(L.OW); ++j) {
                            const int iw = j * $(L.SW) + kw - $(L.PW);
                            if (iw >= 0 && iw < $(L.W))
                                dxs->v[c][ih][iw] += dk[i * $(L.OW) + j];
                        }
                    }
                }
@   if P.has_deriv then
        for (int c = 0; c < $(L.C); ++c)
            for (int i = 0; i < $(L.H); ++i)
                for (int j = 0; j < $(L.W); ++j)
                    dxs->v[c][i][j] *= $(P.deriv("x->row[s].v[c][i][j]"));
@   end
    }
}
@ end
@ end
#endif /* $(m.NAME)_INFERENCE_ONLY */
