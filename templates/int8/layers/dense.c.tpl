/* $(L.id): dense $(L.n_in) -> $(L.n_out), $(L.activation), in int8
 *   acc[j] = b[j] + sum_i (x[i]$(L.minus_zp)) * w[i][j]    (int32; x[i]$(L.minus_zp) is $(L.x_range))
@ if L.how == "table" then
 *   y[j]   = $(qm.name)_$(L.activation)($(qm.name)_requant(acc[j], mult[j], shift[j]))
 *            (the requantized acc is z in steps of the table's)
@ else
 *   y[j]   = $(qm.name)_saturate($(L.out_zp), $(qm.name)_requant(acc[j], mult[j], shift[j]))
@   if L.activation == "softmax" then
 *            (the logits: argmax needs no softmax)
@   end
@ end
 * x: scale $(L.in_scale), zero point $(L.in_zp); y: scale $(L.out_scale), zero point $(L.out_zp);
 * w_scale[j] from $(L.w_scale_range) */
static void $(qm.name)_$(L.id)_forward($(L.out_type) *restrict y, const $(L.params_type) *restrict p,
        const $(L.in_type) *restrict x)
{
    int32_t acc[$(L.out_const)];
    for (int j = 0; j < $(L.out_const); ++j)
        acc[j] = p->b[j];
    for (int i = 0; i < $(L.in_const); ++i) {
        const int32_t xi = (int32_t)x->v[i]$(L.minus_zp);
@ if L.skip_zero then
        if (xi == 0)
            continue; /* adds nothing: skip the row */
@ end
        for (int j = 0; j < $(L.out_const); ++j)
            acc[j] += xi * p->w[i][j];
    }
    for (int j = 0; j < $(L.out_const); ++j) {
        const int32_t r = $(qm.name)_requant(acc[j], p->mult[j], p->shift[j]);
@ if L.how == "table" then
        y->v[j] = $(qm.name)_$(L.activation)(r);
@ else
        y->v[j] = $(qm.name)_saturate($(L.out_zp), r);
@ end
    }
}
