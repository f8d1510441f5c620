/* $(L.id): conv2d $(L.in_text) -> $(L.out_text), $(L.KH)x$(L.KW) kernel, stride $(L.SH)x$(L.SW), padding $(L.PH)x$(L.PW), $(L.activation), in int8
 *   acc[o] = b[o] + sum_c,u,v (x$(L.x_index)$(L.minus_zp)) * w[c][u][v][o]
 *            (int32, per output position i, j; x$(L.minus_zp) is $(L.x_range); outside the image x
 *            is the zero point and adds nothing, so u and v run over the window inside it)
@ if L.how == "table" then
 *   y[o][i][j] = $(qm.name)_$(L.activation)($(qm.name)_requant(acc[o], mult[o], shift[o]))
@ else
 *   y[o][i][j] = $(qm.name)_saturate($(L.out_zp), $(qm.name)_requant(acc[o], mult[o], shift[o]))
@ end
 * x: scale $(L.in_scale), zero point $(L.in_zp); y: scale $(L.out_scale), zero point $(L.out_zp);
 * w_scale[o] from $(L.w_scale_range) */
static void $(qm.name)_$(L.id)_forward($(L.out_type) *restrict y, const $(L.params_type) *restrict p,
        const $(L.in_type) *restrict x)
{
    for (int i = 0; i < $(L.OH); ++i) {
        const int u_lo = $(L.u_span.lo), u_hi = $(L.u_span.hi);
        for (int j = 0; j < $(L.OW); ++j) {
            const int v_lo = $(L.v_span.lo), v_hi = $(L.v_span.hi);
            int32_t acc[$(L.O)];
            for (int o = 0; o < $(L.O); ++o)
                acc[o] = p->b[o];
            for (int c = 0; c < $(L.C); ++c)
                for (int u = u_lo; u < u_hi; ++u)
                    for (int v = v_lo; v < v_hi; ++v) {
                        const int32_t xv = (int32_t)x->v$(L.x_index)$(L.minus_zp);
                        if (xv == 0)
                            continue; /* adds nothing: skip the filters' row */
                        for (int o = 0; o < $(L.O); ++o)
                            acc[o] += xv * p->w[c][u][v][o];
                    }
            for (int o = 0; o < $(L.O); ++o) {
                const int32_t r = $(qm.name)_requant(acc[o], p->mult[o], p->shift[o]);
@ if L.how == "table" then
                y->v[o][i][j] = $(qm.name)_$(L.activation)(r);
@ else
                y->v[o][i][j] = $(qm.name)_saturate($(L.out_zp), r);
@ end
            }
        }
    }
}
