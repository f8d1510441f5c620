
#if defined(CONSTNET_RUNTIME) && !defined($(m.NAME)_INFERENCE_ONLY)
/* ---------------------------------------------------------------------------
 * The descriptor through which runtime/ drives this network. The runtime
 * passes samples as float arrays; these wrappers copy them into the typed
 * structs above. Left out unless built with -DCONSTNET_RUNTIME. */
#include "train.h"

static void $(m.name)_rt_input($(m.name)_input *in, const float *x)
{
    for (int i = 0; i < $(m.n_in); ++i)
        in->v[i] = ($(m.T))x[i];
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

static void $(m.name)_rt_init(void *params, double (*uniform01)(void *ctx), void *ctx)
{
    $(m.name)_init(($(m.name)_params *)params, uniform01, ctx);
}

static double $(m.name)_rt_train_step(void *params, const float *x, const float *t, double rate, float *out)
{
    $(m.name)_input in;
    $(m.name)_target tg;
    $(m.name)_acts a;
    $(m.name)_rt_input(&in, x);
    $(m.name)_rt_target(&tg, t);
    const $(m.T) loss = $(m.name)_train_step(($(m.name)_params *)params, &a, &in, &tg, ($(m.T))rate);
    $(m.name)_rt_output(out, &a.out);
    return loss;
}

static double $(m.name)_rt_gradient(void *grads, const void *params, const float *x, const float *t)
{
    $(m.name)_input in;
    $(m.name)_target tg;
    $(m.name)_acts a;
    $(m.name)_rt_input(&in, x);
    $(m.name)_rt_target(&tg, t);
    $(m.name)_forward(&a, (const $(m.name)_params *)params, &in);
    return $(m.name)_backward(($(m.name)_grads *)grads, (const $(m.name)_params *)params, &a, &in, &tg);
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

static void $(m.name)_rt_predict(const void *params, const float *x, float *out)
{
    $(m.name)_input in;
    $(m.name)_output y;
    $(m.name)_rt_input(&in, x);
    $(m.name)_predict(&y, (const $(m.name)_params *)params, &in);
    $(m.name)_rt_output(out, &y);
}

const train_net train_net_desc = {
    .name = "$(m.name)",
    .spec = "$(m.spec_path)",
    .n_in = $(m.n_in),
    .n_out = $(m.n_out),
    .batch = $(m.batch),
    .n_params = $(m.n_params),
    .real_size = sizeof($(m.T)),
    .fingerprint = $(m.NAME)_FINGERPRINT,
    .rate = $(lit(m.train.rate, "double")),
    .epochs = $(m.train.epochs),
    .seed = $(m.train.seed)u,
    .init = $(m.name)_rt_init,
    .train_step = $(m.name)_rt_train_step,
    .gradient = $(m.name)_rt_gradient,
    .loss = $(m.name)_rt_loss,
    .predict = $(m.name)_rt_predict,
};
#endif /* CONSTNET_RUNTIME */
