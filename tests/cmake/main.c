/* main.c: the inference program of tests/cmake. The weights come from
 * tiny_init with a fixed pseudo-random sequence, so the program needs no
 * files; a real one would compile the exported tiny_weights.c instead. */
#include <stdio.h>

#include "tiny.h"

/* numbers in [0, 1) from a 64-bit LCG */
static double lcg01(void *ctx)
{
    unsigned long long *s = (unsigned long long *)ctx;
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(*s >> 11) / 9007199254740992.0;
}

int main(void)
{
    static tiny_params p;
    unsigned long long seed = 1;
    tiny_input x;
    tiny_output y;
    int i, j;
    tiny_init(&p, lcg01, &seed);
    for (i = 0; i < TINY_IN; ++i)
        x.v[i] = (tiny_real)(i + 1) / TINY_IN;
    printf("sizes %d %d %d\n", TINY_IN, TINY_L1, TINY_OUT);
    printf("class %d\n", tiny_predict(&y, &p, &x));
    for (j = 0; j < TINY_OUT; ++j)
        printf("out %d %.6f\n", j, (double)y.v[j]);
    return 0;
}
