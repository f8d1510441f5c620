/* $(L.id): $(L.kind) $(L.in_text) -> $(L.out_text), window $(L.KH)x$(L.KW), stride $(L.SH)x$(L.SW), in int8
@ if L.kind == "maxpool2d" then
 *   y[c][i][j] = max over the window of x: the affine map keeps order, so the
 *   scale $(L.in_scale) and zero point $(L.in_zp) pass through and the max is exact
@ else
 *   y[c][i][j] = round(mean over the window of x), halves up, in integers:
 *   t = sum (x + 128) >= 0, y = (2t + $(L.area)) / $(2 * L.area) - 128; the scale $(L.in_scale) and
 *   zero point $(L.in_zp) pass through
@ end
 */
static void $(qm.name)_$(L.id)_forward($(L.out_type) *restrict y, const $(L.in_type) *restrict x)
{
    for (int c = 0; c < $(L.C); ++c)
        for (int i = 0; i < $(L.OH); ++i)
            for (int j = 0; j < $(L.OW); ++j) {
@ if L.kind == "maxpool2d" then
                int32_t m = -128;
                for (int u = 0; u < $(L.KH); ++u)
                    for (int v = 0; v < $(L.KW); ++v)
                        m = x->v$(L.win_at) > m ? x->v$(L.win_at) : m;
                y->v[c][i][j] = (int8_t)m;
@ else
                int32_t t = 0;
                for (int u = 0; u < $(L.KH); ++u)
                    for (int v = 0; v < $(L.KW); ++v)
                        t += x->v$(L.win_at) + 128;
                y->v[c][i][j] = (int8_t)((2 * t + $(L.area)) / $(2 * L.area) - 128);
@ end
            }
}
