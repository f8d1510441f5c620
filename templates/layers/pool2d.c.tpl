@ -- All passes of one pooling layer (maxpool2d or avgpool2d), forward beside
@ -- backward. In scope: m, L, P (the layer before, or false).
@ local T = m.T
@ local area = lit(L.area, T)

/* $(L.id): $(L.kind) $(L.C)x$(L.H)x$(L.W) -> $(L.C)x$(L.OH)x$(L.OW), $(L.KH)x$(L.KW) windows, stride $(L.SH)x$(L.SW)
@ if L.op == "max" then
 *   y[c][i][j] = max over kh < $(L.KH), kw < $(L.KW) of x[c][i*$(L.SH) + kh][j*$(L.SW) + kw]
@ else
 *   y[c][i][j] = (sum over kh < $(L.KH), kw < $(L.KW) of x[c][i*$(L.SH) + kh][j*$(L.SW) + kw]) / $(L.area)
@ end
 *   x: $(L.in_type), y: $(L.out_type) */
static void $(m.name)_$(L.id)_forward($(L.out_type) *restrict y, const $(L.in_type) *restrict x)
{
    for (int c = 0; c < $(L.C); ++c)
        for (int i = 0; i < $(L.OH); ++i)
            for (int j = 0; j < $(L.OW); ++j) {
@ if L.op == "max" then
                $(T) best = x->v[c][i * $(L.SH)][j * $(L.SW)];
                for (int u = 0; u < $(L.KH); ++u)
                    for (int v = 0; v < $(L.KW); ++v) {
                        const $(T) xv = x->v[c][i * $(L.SH) + u][j * $(L.SW) + v];
                        best = xv > best ? xv : best;
                    }
                y->v[c][i][j] = best;
@ else
                $(T) sum = $(m.ZERO);
                for (int u = 0; u < $(L.KH); ++u)
                    for (int v = 0; v < $(L.KW); ++v)
                        sum += x->v[c][i * $(L.SH) + u][j * $(L.SW) + v];
                y->v[c][i][j] = sum / $(area);
@ end
            }
}
@ if P then
#ifndef $(m.NAME)_INFERENCE_ONLY

/* $(L.id) backward: from the forward pass above,
@   if L.op == "max" then
 *   dx[c][i*$(L.SH) + kh][j*$(L.SW) + kw] += d[c][i][j] for the first (kh, kw) in the window that holds its max
@   else
 *   dx[c][i*$(L.SH) + kh][j*$(L.SW) + kw] += d[c][i][j] / $(L.area) for every (kh, kw) in the window
@   end
 *   then dx *= $(P.deriv_name)'(x),  $(P.deriv_name)' = $(P.deriv("x")) in terms of x = $(P.id) output */
static void $(m.name)_$(L.id)_backward($(P.delta_type) *restrict dx, const $(L.in_type) *restrict x,
$(pad("static void " .. m.name .. "_" .. L.id .. "_backward"))const $(L.delta_type) *restrict d)
{
    for (int c = 0; c < $(L.C); ++c)
        for (int i = 0; i < $(L.H); ++i)
            for (int j = 0; j < $(L.W); ++j)
                dx->v[c][i][j] = $(m.ZERO);
    for (int c = 0; c < $(L.C); ++c)
        for (int i = 0; i < $(L.OH); ++i)
            for (int j = 0; j < $(L.OW); ++j) {
@   if L.op == "max" then
                int bu = 0, bv = 0;
                $(T) best = x->v[c][i * $(L.SH)][j * $(L.SW)];
                for (int u = 0; u < $(L.KH); ++u)
                    for (int v = 0; v < $(L.KW); ++v) {
                        const $(T) xv = x->v[c][i * $(L.SH) + u][j * $(L.SW) + v];
                        if (xv > best) {
                            best = xv;
                            bu = u;
                            bv = v;
                        }
                    }
                dx->v[c][i * $(L.SH) + bu][j * $(L.SW) + bv] += d->v[c][i][j];
@   else
                const $(T) share = d->v[c][i][j] / $(area);
                for (int u = 0; u < $(L.KH); ++u)
                    for (int v = 0; v < $(L.KW); ++v)
                        dx->v[c][i * $(L.SH) + u][j * $(L.SW) + v] += share;
@   end
            }
@   if P.has_deriv then
    for (int c = 0; c < $(L.C); ++c)
        for (int i = 0; i < $(L.H); ++i)
            for (int j = 0; j < $(L.W); ++j)
                dx->v[c][i][j] *= $(P.deriv("x->v[c][i][j]"));
@   end
}
#endif /* $(m.NAME)_INFERENCE_ONLY */
@ end
@ if m.batch > 1 then
#ifndef $(m.NAME)_INFERENCE_ONLY

/* $(L.id) batch forward: the forward pass above, rows s0 <= s < s1 */
static void $(m.name)_$(L.id)_batch_forward($(L.batch_out_type) *restrict y, const $(L.batch_in_type) *restrict x, int s0, int s1)
{
    for (int s = s0; s < s1; ++s)
        $(m.name)_$(L.id)_forward(&y->row[s], &x->row[s]);
}
@   if P then

/* $(L.id) batch input gradient: the backward pass above, rows s0 <= s < min(s1, n) */
static void $(m.name)_$(L.id)_batch_dx($(P.batch_delta_type) *restrict dx, const $(L.batch_in_type) *restrict x,
$(pad("static void " .. m.name .. "_" .. L.id .. "_batch_dx"))const $(L.batch_delta_type) *restrict d, int n,
$(pad("static void " .. m.name .. "_" .. L.id .. "_batch_dx"))int s0, int s1)
{
    for (int s = s0; s < s1 && s < n; ++s)
        $(m.name)_$(L.id)_backward(&dx->row[s], &x->row[s], &d->row[s]);
}
@   end
#endif /* $(m.NAME)_INFERENCE_ONLY */
@ end
