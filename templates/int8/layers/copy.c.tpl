/* $(L.id): $(L.kind) $(L.in_text) -> $(L.out_text), in int8: a copy$(L.kind == "dropout" and " (dropout is the identity at inference)" or " (the same values in C order)")
 * scale $(L.in_scale), zero point $(L.in_zp) pass through */
static void $(qm.name)_$(L.id)_forward($(L.out_type) *restrict y, const $(L.in_type) *restrict x)
{
    const int8_t *xs = (const int8_t *)x->v;
    int8_t *ys = (int8_t *)y->v;
    for (int i = 0; i < $(L.out_const); ++i)
        ys[i] = xs[i];
}
