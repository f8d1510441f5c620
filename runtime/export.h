/* export.h: trained parameters as C source, for embedding.
 *
 * export_c_weights writes PATH, a C file that defines
 *
 *     const <name>_params <name>_weights = { ... };
 *
 * for the generated header "<name>.h", and next to it "<name>_weights.h",
 * which declares it. Copied into another project together with the generated
 * <name>.h / <name>.c, the two let that project run <name>_predict on the
 * trained network with no runtime, no file I/O and no malloc: the weights
 * live in read-only memory (flash, on a microcontroller).
 *
 * The initializer is fully braced, one brace level per struct and array of
 * the generated types, so it compiles clean under -Wall -Wextra -Wpedantic
 * (no missing-braces warnings) as C99 or later. Every value is written as an
 * exact hexadecimal floating literal (C99 "%a" form, with an f suffix for a
 * float net), so the compiled weights are the trained ones bit for bit,
 * negative zeros and subnormals included, whatever the locale. The file
 * checks <NAME>_FINGERPRINT, so weights exported for one shape do not compile
 * against the header of another; and the object's link name carries the
 * fingerprint of the header each file was compiled with (<name>.h's
 * <NAME>_WEIGHTS_SYMBOL), so a program whose <name>.h describes another shape
 * than the weights were compiled for fails to link: a stale weights file next
 * to a stale header is caught too.
 *
 * NaN and infinity have no literal in C and mean a diverged training run:
 * they are refused, with the layer and index of the first one. Both files are
 * written to temporary names and renamed into place; on any failure neither
 * is left behind and an earlier file at PATH is untouched. */
#ifndef CONSTNET_EXPORT_H
#define CONSTNET_EXPORT_H

#include <stddef.h>

#include "model.h"
#include "train.h"

/* Write the weights of net (params: net->n_params reals of net->real_size
 * bytes, laid out per layer as w[n_in][n_out] then b[n_out]) to path as C,
 * and "<net->name>_weights.h" in the same directory. Returns 0, or -1 with
 * "PATH: error: PROBLEM" in err. */
int export_c_weights(const char *path, const train_net *net, const void *params, char *err,
                     size_t errlen);

/* The same with the object named symbol (a C identifier; NULL: <name>_weights)
 * and declared in "<symbol>.h" beside path, so that several weight sets of one
 * net can live in one program. */
int export_c_weights_named(const char *path, const char *symbol, const train_net *net, const void *params,
                           char *err, size_t errlen);

/* The same, with what the model file kept besides the weights (NULL: none):
 * with an input normalization, the C file also defines the statistics and
 *     void <name>_normalize(<name>_input *x, const float raw[<NAME>_IN]);
 * which turns raw values into the normalized input that <name>_predict
 * takes, computed exactly as the trainer does (in float); with class names,
 *     const char *const <name>_class_names[<NAME>_N_CLASS_NAMES];
 * Both are declared in the header. */
int export_c_weights_meta(const char *path, const train_net *net, const void *params, const model_meta *meta,
                          char *err, size_t errlen);

/* Both: the object named symbol, and what the model file kept. The
 * normalization function and the class names are prefixed by the net's name
 * with the default symbol, else by the symbol. */
int export_c_weights_full(const char *path, const char *symbol, const train_net *net, const void *params,
                          const model_meta *meta, char *err, size_t errlen);

/* Format v as an exact C hexadecimal floating literal, in the normalized
 * form of "%a" ("0x1.8p+1", "-0x0p+0", "0x1p-1074"), without locale and
 * without suffix. buf needs EXPORT_HEX_MAX bytes. Returns the length, or -1
 * if v is NaN or infinite (buf then holds "nan" or "inf"). */
enum { EXPORT_HEX_MAX = 32 };
int export_hex_double(char *buf, double v);

#endif
