/* init_bounds.c: tests/specs/init_bounds.lua's initb_init against the
 * formulas of the README (test_compile). Glorot draws from
 * U(+-sqrt(6/(in+out))) or N(0, 2/(in+out)), He from U(+-sqrt(6/in)) or
 * N(0, 2/in); biases start at zero. Prints each mismatch, exits 1 on any. */
#include <math.h>
#include <stdio.h>

#include "initb.h"

static double fixed(void *ctx) { return *(const double *)ctx; }

static double lcg01(void *ctx)
{
    unsigned long long *s = (unsigned long long *)ctx;
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(*s >> 11) / 9007199254740992.0;
}

static int bad;

static void expect(const char *what, double got, double want, double tol)
{
    if (!(fabs(got - want) <= tol)) {
        printf("%s: %.17g, want %.17g\n", what, got, want);
        bad = 1;
    }
}

static double spread(const double *w, int n)
{
    double s = 0.0, q = 0.0;
    for (int k = 0; k < n; ++k)
        s += w[k], q += w[k] * w[k];
    return sqrt(q / n - (s / n) * (s / n));
}

int main(void)
{
    static initb_params p;
    double u = 0.0;
    initb_init(&p, fixed, &u); /* every draw at the low end */
    expect("l1 glorot_uniform low", p.l1.w[0][0], -sqrt(6.0 / (5 + 7)), 0.0);
    expect("l2 he_uniform low", p.l2.w[0][0], -sqrt(6.0 / 7), 0.0);
    expect("l3 uniform low", p.l3.w[0][0], -0.3, 0.0);
    u = 1.0 - 0x1p-53; /* every draw at the high end */
    initb_init(&p, fixed, &u);
    expect("l1 glorot_uniform high", p.l1.w[4][6], sqrt(6.0 / (5 + 7)), 1e-12);
    expect("l2 he_uniform high", p.l2.w[6][2], sqrt(6.0 / 7), 1e-12);
    expect("l3 uniform high", p.l3.w[2][99], 0.2, 1e-12);
    expect("l1 bias", p.l1.b[3], 0.0, 0.0);
    unsigned long long seed = 1;
    initb_init(&p, lcg01, &seed);
    /* 10,000 and 5,000 draws: the spread within 3% of its formula */
    expect("l4 glorot_normal spread", spread(&p.l4.w[0][0], 100 * 100) / sqrt(2.0 / 200), 1.0, 0.03);
    expect("l5 he_normal spread", spread(&p.l5.w[0][0], 100 * 50) / sqrt(2.0 / 100), 1.0, 0.03);
    expect("l6 zeros", p.l6.w[99 % 50][1], 0.0, 0.0);
    expect("l5 bias", p.l5.b[49], 0.0, 0.0);
    return bad;
}
