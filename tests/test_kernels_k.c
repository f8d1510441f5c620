/* test_kernels_k.c: a first dense layer split by inputs gives the same bits
 * however it runs. tests/specs/kernels_k.lua (float, 277 inputs often 0, in
 * halves 0..127 and 128..276; plain SGD, which the stages fuse into the
 * steps) is generated twice: kk with the target's vectors, and kks built for
 * plain x86-64 (no FMA, so NAME_MADD is a * b + c).
 *
 *   core: the stages of the header, split into any number of parts (as
 *         threads run them), give the parameters of batch_forward,
 *         batch_backward and update bit for bit, writing every element;
 *         without FMA, each batch row's forward pass is the per-sample one,
 *         bit for bit, and both sum layer 1 as the header says:
 *         z[j] = (b[j] + sum_{i < 128} x[i] w[i][j]) + sum_{i >= 128} x[i] w[i][j]. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kk.h"
#include "kks.h"
#include "rng.h"
#include "testutil.h"

_Static_assert(KK_BATCH % KK_BATCH_ROWS != 0, "the spec's batch leaves rows over");
_Static_assert(sizeof(kk_batch_input) == sizeof(kks_batch_input), "same shapes");
_Static_assert(KK_BATCH > 3, "a partial batch of B - 3 rows");

/* the first half of the inputs: half of them, in whole chunks of 128 (the
 * per-sample list's, K.LIST_INPUTS), as gen/layers/dense.lua splits them */
enum { B = KK_BATCH, KB = KK_IN / 2 / 128 * 128 };

typedef struct {
    kk_params p;
    kk_opt o;
    kk_grads g;
    kk_batch_acts a;
    kk_batch_deltas d;
    kk_batch_input x;
    kk_batch_target t;
} kset;

static kset *S;

static void setup(void)
{
    S = calloc(1, sizeof *S);
    ck_assert(S != NULL);
}

static void teardown(void) { free(S); }

/* A batch with about half its inputs exactly 0, one-hot targets. */
static void batch(rng_state *r, kk_batch_input *x, kk_batch_target *t)
{
    for (int s = 0; s < B; ++s) {
        for (int i = 0; i < KK_IN; ++i)
            x->row[s].v[i] = rng_uniform(r) < 0.5 ? 0.0f : (float)rng_uniform(r);
        for (int j = 0; j < KK_OUT; ++j)
            t->row[s].v[j] = 0.0f;
        t->row[s].v[rng_below(r, KK_OUT)] = 1.0f;
    }
}

START_TEST(test_any_split_gives_the_same_bits)
{
    rng_state r;
    rng_seed(&r, 3);
    kk_init(&S->p, rng_uniform_cb, &r);
    static kk_params p0, p1;
    for (int round = 0; round < 3; ++round) {
        batch(&r, &S->x, &S->t);
        const int n = round == 1 ? B - 3 : B;
        /* the step without threads: forward, backward, update */
        memcpy(&p0, &S->p, sizeof p0);
        kk_batch_forward(&S->a, &S->p, &S->x);
        kk_batch_backward(&S->g, &S->d, &S->p, &S->a, &S->x, &S->t, n);
        ck_assert(tu_max_abs_float(&S->g.l1.w[0][0], sizeof S->g.l1.w / sizeof(float)) > 0.0);
        ck_assert(tu_max_abs_float(S->g.l1.b, KK_L1) > 0.0);
        memcpy(&p1, &S->p, sizeof p1);
        kk_opt o1 = S->o;
        kk_update(&p1, &o1, &S->g, 0.05f);
        ck_assert(memcmp(&p1.l1, &p0.l1, sizeof p1.l1) != 0);
        const int splits[] = {1, 2, 3, 4, 7, B};
        for (size_t k = 0; k < sizeof splits / sizeof splits[0]; ++k) {
            const int parts = splits[k];
            memcpy(&S->p, &p0, sizeof p0);
            memset(&S->a, 0xff, sizeof S->a); /* NaNs: every element must be written */
            memset(&S->d, 0xff, sizeof S->d);
            for (int stage = 0; stage < KK_BATCH_STAGES; ++stage)
                for (int q = parts - 1; q >= 0; --q) /* the parts in reverse order */
                    kk_batch_train_stage(stage, &S->p, &S->o, NULL, &S->d, &S->a, &S->x, &S->t, n, 0.05f, q, parts);
            ck_assert_msg(memcmp(&S->p, &p1, sizeof p1) == 0, "round %d, %d parts: parameters differ", round, parts);
        }
    }
}
END_TEST

START_TEST(test_halves_per_sample_and_batched_without_fma)
{
    static kks_params p;
    static kks_batch_acts a;
    static kks_batch_input x;
    static kks_acts one;
    rng_state r;
    rng_seed(&r, 21);
    kks_init(&p, rng_uniform_cb, &r);
    for (int j = 0; j < KKS_L1; ++j)
        p.l1.b[j] = (float)(rng_uniform(&r) - 0.5);
    for (int round = 0; round < 4; ++round) {
        batch(&r, &S->x, &S->t);
        memcpy(&x, &S->x, sizeof x);
        kks_batch_forward(&a, &p, &x);
        for (int s = 0; s < B; ++s) {
            kks_forward(&one, &p, &x.row[s]);
            ck_assert_msg(memcmp(&one.out, &a.out.row[s], sizeof one.out) == 0, "round %d, row %d differs", round, s);
            ck_assert_msg(memcmp(&one.l1, &a.l1.row[s], sizeof one.l1) == 0, "round %d, row %d: l1 differs", round, s);
            /* layer 1 as the header says, the zero inputs skipped as the passes skip them */
            for (int j = 0; j < KKS_L1; ++j) {
                float z0 = p.l1.b[j], z1 = 0.0f;
                for (int i = 0; i < KKS_IN; ++i) {
                    const float xi = x.row[s].v[i];
                    if (xi == 0.0f)
                        continue;
                    if (i < KB)
                        z0 += xi * p.l1.w[i][j];
                    else
                        z1 += xi * p.l1.w[i][j];
                }
                const float want = 1.0f / (1.0f + expf(-(z0 + z1)));
                ck_assert_msg(memcmp(&want, &one.l1.v[j], sizeof want) == 0, "round %d, row %d, unit %d: %.9g, want %.9g",
                              round, s, j, one.l1.v[j], want);
            }
        }
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("kernels_k");
    TCase *core = tcase_create("core");
    tcase_add_checked_fixture(core, setup, teardown);
    tcase_set_timeout(core, 60);
    tcase_add_test(core, test_any_split_gives_the_same_bits);
    tcase_add_test(core, test_halves_per_sample_and_batched_without_fma);
    suite_add_tcase(s, core);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    const int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
