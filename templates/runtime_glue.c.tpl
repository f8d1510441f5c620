
#if defined(CONSTNET_RUNTIME) && !defined($(m.NAME)_INFERENCE_ONLY)
/* ---------------------------------------------------------------------------
 * The descriptor through which runtime/ drives this network. The runtime
 * passes samples as float arrays; these wrappers copy them into the typed
 * structs above. Left out unless built with -DCONSTNET_RUNTIME. */
#include "train.h"

#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

static void $(m.name)_rt_input($(m.name)_input *in, const float *x)
{
    $(m.T) *v = ($(m.T) *)(void *)in->v; /* the input's $(m.n_in) values in order */
    for (int i = 0; i < $(m.n_in); ++i)
        v[i] = ($(m.T))x[i];
}

static void $(m.name)_rt_target($(m.name)_target *tg, const float *t)
{
    for (int j = 0; j < $(m.n_out); ++j)
        tg->v[j] = ($(m.T))t[j];
}

static void $(m.name)_rt_output(float *out, const $(m.name)_output *y)
{
    for (int j = 0; j < $(m.n_out); ++j)
        out[j] = (float)y->v[j];
}

/* scratch the runtime allocates (work_bytes) */
typedef struct {
@ if m.batch > 1 then
    $(m.name)_batch_input x;
    $(m.name)_batch_target t;
    $(m.name)_batch_acts a;
    $(m.name)_batch_deltas d;
@ else
    $(m.name)_input x;
    $(m.name)_target t;
    $(m.name)_acts a;
    $(m.name)_deltas d;
@ end
    $(m.name)_grads g;
} $(m.name)_rt_work;
@ if m.masks then

/* New dropout masks in the scratch (uniform01 == NULL: keep every unit) */
static void $(m.name)_rt_draw_masks(void *work, double (*uniform01)(void *ctx), void *ctx)
{
    $(m.name)_rt_work *w = ($(m.name)_rt_work *)work;
@   if m.batch > 1 then
    $(m.name)_batch_draw_masks(&w->a, uniform01, ctx);
@   else
    $(m.name)_draw_masks(&w->a, uniform01, ctx);
@   end
}
@ end

static void $(m.name)_rt_init(void *params, double (*uniform01)(void *ctx), void *ctx)
{
    $(m.name)_init(($(m.name)_params *)params, uniform01, ctx);
}

@ if m.batch > 1 then
/* Copy rows s0 <= s < s1 of the n rows in, zero the rest; the batched passes
 * ignore rows past n. */
static void $(m.name)_rt_rows($(m.name)_rt_work *w, const float *x, const float *t, unsigned n, unsigned s0,
$(pad("static void " .. m.name .. "_rt_rows"))unsigned s1)
{
    for (unsigned s = s0; s < s1; ++s) {
        if (s < n) {
            $(m.name)_rt_input(&w->x.row[s], x + (size_t)s * $(m.n_in));
            $(m.name)_rt_target(&w->t.row[s], t + (size_t)s * $(m.n_out));
        } else {
            memset(&w->x.row[s], 0, sizeof w->x.row[s]);
            memset(&w->t.row[s], 0, sizeof w->t.row[s]);
        }
    }
}

static double $(m.name)_rt_gradient(void *grads, const void *params, void *work, const float *x, const float *t,
                              unsigned n)
{
    $(m.name)_rt_work *w = ($(m.name)_rt_work *)work;
    $(m.name)_rt_rows(w, x, t, n, 0, $(m.batch));
    $(m.name)_batch_forward(&w->a, (const $(m.name)_params *)params, &w->x);
    return $(m.name)_batch_backward(($(m.name)_grads *)grads, &w->d, (const $(m.name)_params *)params, &w->a, &w->x,
                              &w->t, (int)n);
}

#ifdef _OPENMP
#define $(m.NAME)_RT_BARRIER _Pragma("omp barrier")
#else
#define $(m.NAME)_RT_BARRIER
#endif

/* Part `part` of `parts` of one training step: its rows of the batch, then
 * the stages of the header with a barrier before each. */
static void $(m.name)_rt_step_part($(m.name)_rt_work *w, $(m.name)_params *p, $(m.name)_opt *o, const float *x,
$(pad("static void " .. m.name .. "_rt_step_part"))const float *t, unsigned n, $(m.T) rate, int part, int parts)
{
    int s0, s1;
    $(m.name)_batch_rows(part, parts, &s0, &s1);
    $(m.name)_rt_rows(w, x, t, n, (unsigned)s0, (unsigned)s1);
    for (int stage = 0; stage < $(m.NAME)_BATCH_STAGES; ++stage) {
        $(m.NAME)_RT_BARRIER
        $(m.name)_batch_train_stage(stage, p, o, &w->g, &w->d, &w->a, &w->x, &w->t, (int)n, rate, part, parts);
    }
}

static double $(m.name)_rt_train_batch(void *params, void *opt, void *work, const float *x, const float *t,
                                 unsigned n, double rate, float *out, unsigned threads)
{
    $(m.name)_rt_work *w = ($(m.name)_rt_work *)work;
    $(m.name)_params *p = ($(m.name)_params *)params;
    $(m.name)_opt *o = ($(m.name)_opt *)opt;
#ifdef _OPENMP
    const int k = threads > 1 ? (int)threads : 1;
#pragma omp parallel num_threads(k) if (k > 1)
    $(m.name)_rt_step_part(w, p, o, x, t, n, ($(m.T))rate, omp_get_thread_num(), omp_get_num_threads());
#else
    (void)threads; /* built without OpenMP: one thread, the same result */
    $(m.name)_rt_step_part(w, p, o, x, t, n, ($(m.T))rate, 0, 1);
#endif
    o->step += 1;
    const double loss = $(m.name)_batch_loss(&w->a, &w->t, (int)n);
    for (unsigned s = 0; s < n; ++s)
        $(m.name)_rt_output(out + (size_t)s * $(m.n_out), &w->a.out.row[s]);
    return loss;
}
@ else
static double $(m.name)_rt_gradient(void *grads, const void *params, void *work, const float *x, const float *t,
                              unsigned n)
{
    $(m.name)_rt_work *w = ($(m.name)_rt_work *)work;
    (void)n; /* always 1 */
    $(m.name)_rt_input(&w->x, x);
    $(m.name)_rt_target(&w->t, t);
    $(m.name)_$(m.masks and "forward_train" or "forward")(&w->a, (const $(m.name)_params *)params, &w->x);
    return $(m.name)_backward(($(m.name)_grads *)grads, &w->d, (const $(m.name)_params *)params, &w->a, &w->x, &w->t);
}

static double $(m.name)_rt_train_batch(void *params, void *opt, void *work, const float *x, const float *t,
                                 unsigned n, double rate, float *out, unsigned threads)
{
    (void)threads; /* batch 1: nothing to split */
    $(m.name)_rt_work *w = ($(m.name)_rt_work *)work;
@   if m.fused then
    /* plain SGD: the update is fused into the backward pass */
    (void)opt;
    (void)n;
    $(m.name)_rt_input(&w->x, x);
    $(m.name)_rt_target(&w->t, t);
    const double loss = $(m.name)_train_step(($(m.name)_params *)params, &w->d, &w->a, &w->x, &w->t, ($(m.T))rate);
@   else
    const double loss = $(m.name)_rt_gradient(&w->g, params, work, x, t, n);
    $(m.name)_update(($(m.name)_params *)params, ($(m.name)_opt *)opt, &w->g, ($(m.T))rate);
@   end
    $(m.name)_rt_output(out, &w->a.out);
    return loss;
}
@ end

static double $(m.name)_rt_sample_gradient(void *grads, const void *params, const float *x, const float *t)
{
    $(m.name)_input in;
    $(m.name)_target tg;
    $(m.name)_acts a;
    $(m.name)_deltas d;
    $(m.name)_rt_input(&in, x);
    $(m.name)_rt_target(&tg, t);
@ if m.masks then
    $(m.name)_draw_masks(&a, NULL, NULL); /* every unit kept: the inference function */
    $(m.name)_forward_train(&a, (const $(m.name)_params *)params, &in);
@ else
    $(m.name)_forward(&a, (const $(m.name)_params *)params, &in);
@ end
    return $(m.name)_backward(($(m.name)_grads *)grads, &d, (const $(m.name)_params *)params, &a, &in, &tg);
}

static void $(m.name)_rt_update(void *params, void *opt, const void *grads, double rate)
{
    $(m.name)_update(($(m.name)_params *)params, ($(m.name)_opt *)opt, (const $(m.name)_grads *)grads, ($(m.T))rate);
}

static double $(m.name)_rt_loss(const void *params, const float *x, const float *t)
{
    $(m.name)_input in;
    $(m.name)_target tg;
    $(m.name)_acts a;
    $(m.name)_rt_input(&in, x);
    $(m.name)_rt_target(&tg, t);
    $(m.name)_forward(&a, (const $(m.name)_params *)params, &in);
    return $(m.name)_loss(&a, &tg);
}

/* each layer's activation, for runtime/quant.c */
static const char *const $(m.name)_rt_activations[] = {
@ for _, L in ipairs(m.layers) do
    "$(L.activation or "none")",
@ end
};

/* each layer's kind and shape, for runtime/quant.c: in c, h, w; out o, oh, ow;
 * window kh, kw; stride sh, sw; padding ph, pw */
static const train_layer $(m.name)_rt_layers[] = {
@ for _, L in ipairs(m.layers) do
@   local i, o = L.in_dims, L.out_dims
@   local i3, o3 = i[3] and i or { 1, 1, i[1] }, o[3] and o or { 1, 1, o[1] }
@   local function g(k) return rawget(L, k) or 0 end
    {"$(L.kind)", $(i3[1]), $(i3[2]), $(i3[3]), $(o3[1]), $(o3[2]), $(o3[3]), $(g("KH")), $(g("KW")), $(g("SH")), $(g("SW")), $(g("PH")), $(g("PW"))},
@ end
};

static void $(m.name)_rt_predict(const void *params, const float *x, float *out)
{
    $(m.name)_input in;
    $(m.name)_output y;
    $(m.name)_rt_input(&in, x);
    $(m.name)_predict(&y, (const $(m.name)_params *)params, &in);
    $(m.name)_rt_output(out, &y);
}

static const unsigned $(m.name)_rt_sizes[] = {$(m.sizes_list)};

static const train_tensor $(m.name)_rt_tensors[] = {
@ for _, t in ipairs(m.tensor_table) do
    {"$(t.name)", $(t.rank), {$(t.dims)}, $(t.offset)},
@ end
};

const train_net train_net_desc = {
    .name = "$(m.name)",
    .spec = "$(m.spec_path)",
    .n_in = $(m.n_in),
    .augment_shift = $(m.augment_shift),
    .n_out = $(m.n_out),
    .in_c = $(m.in_c),
    .in_h = $(m.in_h),
    .in_w = $(m.in_w),
    .normalize = $(m.normalize_enum),
    .batch = $(m.batch),
    .n_layers = $(#m.layers),
    .sizes = $(m.name)_rt_sizes,
    .n_params = $(m.n_params),
    .real_size = sizeof($(m.T)),
    .n_tensors = $(#m.tensor_table),
    .tensors = $(m.name)_rt_tensors,
    .fingerprint = $(m.NAME)_FINGERPRINT,
    .opt_bytes = sizeof($(m.name)_opt),
    .work_bytes = sizeof($(m.name)_rt_work),
    .out_activation = "$(m.last.activation)",
    .activations = $(m.name)_rt_activations,
    .layers = $(m.name)_rt_layers,
    .optimizer = "$(m.opt_desc)",
    .opt_kind = $(m.opt_enum),
    .momentum = $(lit(m.train.momentum, "double")),
    .beta1 = $(lit(m.train.beta1, "double")),
    .beta2 = $(lit(m.train.beta2, "double")),
    .epsilon = $(lit(m.train.epsilon, "double")),
    .weight_decay = $(lit(m.train.weight_decay, "double")),
    .rate = $(lit(m.train.rate, "double")),
    .epochs = $(m.train.epochs),
    .threads = $(m.train.threads),
    .seed = $(m.train.seed)u,
    .schedule = $(m.schedule_enum),
    .step_size = $(m.train.step_size),
    .gamma = $(lit(m.train.gamma, "double")),
    .min_rate = $(lit(m.train.min_rate, "double")),
    .validation = $(lit(m.train.validation, "double")),
    .init = $(m.name)_rt_init,
    .train_batch = $(m.name)_rt_train_batch,
    .gradient = $(m.name)_rt_gradient,
    .sample_gradient = $(m.name)_rt_sample_gradient,
    .update = $(m.name)_rt_update,
    .loss = $(m.name)_rt_loss,
    .predict = $(m.name)_rt_predict,
    .draw_masks = $(m.masks and (m.name .. "_rt_draw_masks") or "NULL"),
};
#endif /* CONSTNET_RUNTIME */
