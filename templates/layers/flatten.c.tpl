@ -- All passes of one flatten layer. In scope: m, L, P (the layer before, or false).
@ local T = m.T

/* $(L.id): flatten $(L.in_text) -> $(L.n_out) values, in order (channel, row, column)
 *   y[k] = x[k]        x: $(L.in_type), y: $(L.out_type) */
static void $(m.name)_$(L.id)_forward($(L.out_type) *restrict y, const $(L.in_type) *restrict x)
{
    const $(T) *restrict xs = (const $(T) *)(const void *)x->v;
    for (int k = 0; k < $(L.n_out); ++k)
        y->v[k] = xs[k];
}
#ifndef $(m.NAME)_INFERENCE_ONLY
@ if P then

/* $(L.id) backward: from y[k] = x[k],
 *   dx[k] = d[k] * $(P.deriv_name)'(x[k]),  $(P.deriv_name)' = $(P.deriv("x")) in terms of x = $(P.id) output */
static void $(m.name)_$(L.id)_backward($(P.delta_type) *restrict dx, const $(L.in_type) *restrict x,
$(pad("static void " .. m.name .. "_" .. L.id .. "_backward"))const $(L.delta_type) *restrict d)
{
    $(T) *restrict dxs = ($(T) *)(void *)dx->v;
@   if P.has_deriv then
    const $(T) *restrict xs = (const $(T) *)(const void *)x->v;
    for (int k = 0; k < $(L.n_out); ++k)
        dxs[k] = d->v[k] * $(P.deriv("xs[k]"));
@   else
    (void)x; /* $(P.id) has no activation to differentiate */
    for (int k = 0; k < $(L.n_out); ++k)
        dxs[k] = d->v[k];
@   end
}
@ end
@ if m.batch > 1 then

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
@ end
#endif /* $(m.NAME)_INFERENCE_ONLY */
