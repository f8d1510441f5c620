/* $(L.id): conv2d $(L.in_text) -> $(L.out_text), $(L.KH)x$(L.KW) kernel, stride $(L.SH)x$(L.SW), padding $(L.PH)x$(L.PW), $(L.activation), in int8
 *   acc[o][i][j] = b[o] + sum_c,u,v ($(L.x_at)$(L.minus_zp)) * w[o][c][u][v]
 *                  (int32; x$(L.minus_zp) is $(L.x_range); outside the image x is the zero point
 *                  and adds nothing, so each tap runs over the rows and columns inside)
@ if L.how == "table" then
 *   y[o][i][j]   = $(qm.name)_$(L.activation)($(qm.name)_requant(acc, mult[o], shift[o]))
@ else
 *   y[o][i][j]   = $(qm.name)_saturate($(L.out_zp), $(qm.name)_requant(acc, mult[o], shift[o]))
@ end
 * x: scale $(L.in_scale), zero point $(L.in_zp); y: scale $(L.out_scale), zero point $(L.out_zp);
 * w_scale[o] from $(L.w_scale_range) */
static void $(qm.name)_$(L.id)_forward($(L.out_type) *restrict y, const $(L.params_type) *restrict p,
        const $(L.in_type) *restrict x)
{
    int32_t acc[$(L.OH)][$(L.OW)]; /* one output channel */
    for (int o = 0; o < $(L.O); ++o) {
        for (int i = 0; i < $(L.OH); ++i)
            for (int j = 0; j < $(L.OW); ++j)
                acc[i][j] = p->b[o];
        for (int c = 0; c < $(L.C); ++c) {
            const int8_t *xc = &x->v[c * $(L.H * L.W)];
@ for _, t in ipairs(L.taps) do
            { /* tap $(t.u), $(t.v) */
                const int32_t w = p->w[o][c][$(t.u)][$(t.v)];
                for (int i = $(t.i_lo); i < $(t.i_hi); ++i)
                    for (int j = $(t.j_lo); j < $(t.j_hi); ++j)
                        acc[i][j] += ((int32_t)xc[$(t.at)]$(L.minus_zp)) * w;
            }
@ end
        }
        int8_t *yo = &y->v[o * $(L.OH * L.OW)];
        for (int i = 0; i < $(L.OH); ++i)
            for (int j = 0; j < $(L.OW); ++j) {
                const int32_t r = $(qm.name)_requant(acc[i][j], p->mult[o], p->shift[o]);
@ if L.how == "table" then
                yo[i * $(L.OW) + j] = $(qm.name)_$(L.activation)(r);
@ else
                yo[i * $(L.OW) + j] = $(qm.name)_saturate($(L.out_zp), r);
@ end
            }
    }
}
