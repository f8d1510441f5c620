/* quant.h: post-training int8 quantization of a trained network.
 *
 * From a trained model and a seeded calibration sample of the training data,
 * quant_build computes everything the int8 backend prints:
 *
 *   weights   symmetric int8 per output channel j (a dense unit, a conv2d
 *             filter): w = w_scale[j] * q, q in -127..127
 *   tensors   the input and every layer's output as int8 with an affine map
 *             real = scale * (q - zero_point), from the calibration ranges
 *             (sigmoid and tanh outputs have fixed maps: [0,1] and [-1,1])
 *   biases    int32, in units of in.scale * w_scale[j]
 *   requant   per output channel, a multiplier mult in [2^30, 2^31) and a shift
 *             in 1..62 with mult * 2^-shift the real factor from the int32
 *             accumulator to the output (or to the index of a table)
 *   tables    sigmoid and tanh as integer tables over a fixed grid of z
 *
 * quant_write saves it as a Lua table file that the generator reads
 * (lua5.4 gen/constnet.lua SPEC --int8 QFILE); the generated int8 C then runs
 * without any floating point. Kinds: dense and conv2d have weights; maxpool2d,
 * avgpool2d, flatten and dropout keep their input's scale and zero point (a
 * max, a mean rounded half up in integers, copies). Each layer's kind, shape
 * and parameter offsets come from the descriptor (train_net's layers and
 * tensors).
 *
 * The generated code computes, for output unit j of a dense layer (a conv2d
 * sums over its window, c * kh * kw inputs, with channel o's constants),
 *   acc = b[j] + sum_i (x[i] - in.zero_point) * w[i][j]            (int32)
 *   r   = round_half_up(acc * mult[j] / 2^shift[j])                (int64 product)
 *   y   = clamp(out.zero_point + r)            relu, identity, softmax (logits)
 *   y   = table(r)                             sigmoid, tanh: r = round(z / z_step)
 * which quant_layer_int8 below computes the same way, for tests. */
#ifndef CONSTNET_QUANT_H
#define CONSTNET_QUANT_H

#include <stddef.h>
#include <stdint.h>

#include "idx.h"
#include "train.h"

enum {
    QUANT_VERSION = 1,            /* of the Lua file quant_write writes */
    QUANT_MAX_LAYERS = 64,
    QUANT_TABLE_MAX = 1024,       /* entries of a sigmoid or tanh table */
    QUANT_CALIBRATION = 2000,     /* default calibration sample size */
    QUANT_SIGMOID_STEP_LOG2 = 6,  /* sigmoid table: z in steps of 2^-6 */
    QUANT_TANH_STEP_LOG2 = 7      /* tanh table: z in steps of 2^-7 */
};

typedef struct {
    double scale;       /* real = scale * (q - zero_point) */
    int32_t zero_point; /* -128..127 */
} quant_tensor;

typedef struct {
    const char *kind;       /* train_layer's: dense, conv2d, maxpool2d, avgpool2d, flatten, dropout */
    train_layer g;          /* its shape */
    unsigned n_in, n_out;
    unsigned n_ch, fan_in;  /* dense: n_out units of n_in weights; conv2d: o filters of c*kh*kw;
                             * the other kinds have no weights (0) and pass in through as out */
    const char *activation; /* the float layer's, a static string ("none" for the weightless) */
    quant_tensor in, out;   /* int8 input and output; a softmax layer outputs its logits */
    double *w_scale;        /* n_ch */
    int8_t *w;              /* n_ch * fan_in: dense w[i * n_out + j], conv2d w[o][c][kh][kw] */
    int32_t *b, *mult;      /* n_ch each */
    int8_t *shift;          /* n_ch */
    double z_step;          /* sigmoid, tanh: the table's step in z; else 0 */
} quant_layer;

typedef struct {
    unsigned n_layers;
    quant_layer layer[QUANT_MAX_LAYERS];
    unsigned sigmoid_n, tanh_n;         /* table entries; 0 when unused */
    uint8_t sigmoid[QUANT_TABLE_MAX];   /* round(255 * sigmoid(k * step)), k = 0.. */
    int8_t tanh[QUANT_TABLE_MAX];       /* round(127 * tanh(k * step)) */
    size_t calibration_n;               /* samples the ranges came from */
    uint64_t seed;                      /* that chose them */
} quant_model;

/* real ~= mult * 2^-shift with mult in [2^30, 2^31) and shift in 1..62.
 * -1 when real is not positive and finite or needs a shift outside 1..62. */
int quant_multiplier(double real, int32_t *mult, int *shift);

/* round(acc * mult / 2^shift), halves rounded up, saturated to int32: the
 * generated NAME_q8_requant, written out here for tests. shift in 1..62. */
int32_t quant_requant(int32_t acc, int32_t mult, int shift);

/* Symmetric int8: round(w / scale), halves away from zero, clamped to
 * -127..127. A w that is an integer multiple k of scale (|k| <= 127) gives k. */
int8_t quant_weight(double w, double scale);

/* The scale of one output unit's weights: max |w| / 127 (1 when all are 0). */
double quant_weight_scale(const double *w, size_t n, size_t stride);

/* Layer l of the float network in double precision, straight from the
 * parameter block (the tensors lN.w, lN.b; dense w[n_in][n_out], conv2d
 * w[o][c][kh][kw]): z the pre-activations, y the outputs (for softmax, y = z:
 * the logits; the weightless kinds: y = z). The reference the calibration and
 * the agreement tests use. */
void quant_float_layer(const train_net *net, const void *params, unsigned l, const double *x, double *z,
                       double *y);

/* Layer l of q in integers, exactly as the generated code computes it. */
void quant_layer_int8(const quant_model *q, unsigned l, const int8_t *x, int8_t *y);

/* n samples of d drawn without replacement by a generator seeded with seed
 * (all of d when n >= d->n), copied into out; free with idx_dataset_free. */
int quant_sample(idx_dataset *out, const idx_dataset *d, size_t n, uint64_t seed, char *err, size_t errlen);

/* Quantize params of net with the ranges seen on calib. q is zeroed first;
 * free with quant_free (also after a failure). */
int quant_build(quant_model *q, const train_net *net, const void *params, const idx_dataset *calib,
                uint64_t seed, char *err, size_t errlen);
void quant_free(quant_model *q);

/* Write q as a Lua table file (atomically); model_path goes into its banner. */
int quant_write(const char *path, const quant_model *q, const train_net *net, const char *model_path,
                char *err, size_t errlen);

/* The int8 network as the generated NAME_q8.c describes it to the runtime
 * (defined with -DCONSTNET_RUNTIME, beside the float train_net_desc). */
typedef struct {
    const char *name;
    uint32_t fingerprint;      /* of the float net it was quantized from */
    unsigned n_in, n_out, n_layers;
    const unsigned *sizes;     /* n_layers + 1 */
    size_t flash_bytes;        /* weights, biases, multipliers, shifts, tables */
    size_t ram_bytes;          /* worst case of one predict: input, activations, accumulators */
    quant_tensor input;
    const quant_tensor *out;   /* n_layers: each layer's output */
    /* every layer's output, concatenated (sizes[1] + ... + sizes[n_layers] bytes) */
    void (*forward)(int8_t *acts, const int8_t *x);
    /* the output and the argmax of one input */
    unsigned (*predict)(int8_t *out, const int8_t *x);
} q8_net;

extern const q8_net q8_net_desc;

/* x (n floats) into int8 with t: clamp(round(x / scale) + zero_point). */
void quant_input(int8_t *q, const float *x, size_t n, quant_tensor t);

#endif
