@ -- All passes of one dropout layer. In scope: m, L, P (the layer before, or false).
@ local T = m.T

/* $(L.id): dropout $(L.rate) on $(L.in_text): at inference y = x;
 * while training y[k] = x[k] * keep[k], keep[k] = 0 (probability $(L.rate)) or $(L.scale_lit) */
static void $(m.name)_$(L.id)_forward($(L.out_type) *restrict y, const $(L.in_type) *restrict x)
{
    $(T) *restrict ys = ($(T) *)(void *)y->v;
    const $(T) *restrict xs = (const $(T) *)(const void *)x->v;
    for (int k = 0; k < $(L.n_out); ++k)
        ys[k] = xs[k];
}
#ifndef $(m.NAME)_INFERENCE_ONLY

/* $(L.id) training forward: y[k] = x[k] * keep[k] */
static void $(m.name)_$(L.id)_forward_train($(L.out_type) *restrict y, const $(L.out_type) *restrict keep,
$(pad("static void " .. m.name .. "_" .. L.id .. "_forward_train"))const $(L.in_type) *restrict x)
{
    $(T) *restrict ys = ($(T) *)(void *)y->v;
    const $(T) *restrict ks = (const $(T) *)(const void *)keep->v;
    const $(T) *restrict xs = (const $(T) *)(const void *)x->v;
    for (int k = 0; k < $(L.n_out); ++k)
        ys[k] = xs[k] * ks[k];
}
@ if P then

/* $(L.id) backward: from y[k] = x[k] * keep[k],
 *   dx[k] = d[k] * keep[k] * $(P.deriv_name)'(x[k]),  $(P.deriv_name)' = $(P.deriv("x")) in terms of x = $(P.id) output */
static void $(m.name)_$(L.id)_backward($(P.delta_type) *restrict dx, const $(L.out_type) *restrict keep,
$(pad("static void " .. m.name .. "_" .. L.id .. "_backward"))const $(L.in_type) *restrict x, const $(L.delta_type) *restrict d)
{
    $(T) *restrict dxs = ($(T) *)(void *)dx->v;
    const $(T) *restrict ks = (const $(T) *)(const void *)keep->v;
    const $(T) *restrict ds = (const $(T) *)(const void *)d->v;
@   if P.has_deriv then
    const $(T) *restrict xs = (const $(T) *)(const void *)x->v;
    for (int k = 0; k < $(L.n_out); ++k)
        dxs[k] = ds[k] * ks[k] * $(P.deriv("xs[k]"));
@   else
    (void)x; /* $(P.id) has no activation to differentiate */
    for (int k = 0; k < $(L.n_out); ++k)
        dxs[k] = ds[k] * ks[k];
@   end
}
@ end

/* $(L.id) masks: keep[k] = 0 when uniform01 < $(L.rate_lit), else $(L.scale_lit); all $(m.ONE) without uniform01 */
static void $(m.name)_$(L.id)_draw($(L.out_type) *restrict keep, double (*uniform01)(void *ctx), void *ctx)
{
    $(T) *restrict ks = ($(T) *)(void *)keep->v;
    for (int k = 0; k < $(L.n_out); ++k)
        ks[k] = uniform01 == 0 ? $(m.ONE) : (uniform01(ctx) < $(L.rate_lit) ? $(m.ZERO) : $(L.scale_lit));
}
@ if m.batch > 1 then

/* $(L.id) batch forward (training): the training forward above, rows s0 <= s < s1 */
static void $(m.name)_$(L.id)_batch_forward($(L.batch_out_type) *restrict y, const $(L.batch_out_type) *restrict keep,
$(pad("static void " .. m.name .. "_" .. L.id .. "_batch_forward"))const $(L.batch_in_type) *restrict x, int s0, int s1)
{
    for (int s = s0; s < s1; ++s)
        $(m.name)_$(L.id)_forward_train(&y->row[s], &keep->row[s], &x->row[s]);
}
@   if P then

/* $(L.id) batch input gradient: the backward pass above, rows s0 <= s < min(s1, n) */
static void $(m.name)_$(L.id)_batch_dx($(P.batch_delta_type) *restrict dx, const $(L.batch_out_type) *restrict keep,
$(pad("static void " .. m.name .. "_" .. L.id .. "_batch_dx"))const $(L.batch_in_type) *restrict x, const $(L.batch_delta_type) *restrict d, int n,
$(pad("static void " .. m.name .. "_" .. L.id .. "_batch_dx"))int s0, int s1)
{
    for (int s = s0; s < s1 && s < n; ++s)
        $(m.name)_$(L.id)_backward(&dx->row[s], &keep->row[s], &x->row[s], &d->row[s]);
}
@   end

/* $(L.id) batch masks, row by row */
static void $(m.name)_$(L.id)_batch_draw($(L.batch_out_type) *restrict keep, double (*uniform01)(void *ctx), void *ctx)
{
    for (int s = 0; s < $(m.batch); ++s)
        $(m.name)_$(L.id)_draw(&keep->row[s], uniform01, ctx);
}
@ end
#endif /* $(m.NAME)_INFERENCE_ONLY */
