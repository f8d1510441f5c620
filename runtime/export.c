/* export.c: trained parameters as C source (see export.h). */
#define _POSIX_C_SOURCE 200809L
#include "export.h"

#include "atomic.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"

_Static_assert(FLT_RADIX == 2 && FLT_MANT_DIG == 24 && DBL_MANT_DIG == 53,
               "export.c assumes IEEE 754 binary32 and binary64");

enum {
    EXPORT_NAME_MAX = 64,  /* longest net name accepted */
    EXPORT_PER_LINE_F = 6, /* literals per line, float and double */
    EXPORT_PER_LINE_D = 4
};

int export_hex_double(char *buf, double v)
{
    if (isnan(v)) {
        memcpy(buf, "nan", 4);
        return -1;
    }
    if (isinf(v)) {
        memcpy(buf, v < 0 ? "-inf" : "inf", v < 0 ? 5 : 4);
        return -1;
    }
    char *p = buf;
    if (signbit(v))
        *p++ = '-';
    v = fabs(v);
    if (v == 0.0) {
        memcpy(p, "0x0p+0", 7);
        return (int)(p - buf) + 6;
    }
    int e;
    const double m = frexp(v, &e); /* v = m * 2^e, 0.5 <= m < 1, exact */
    uint64_t frac = (uint64_t)ldexp(m, 53) & ((UINT64_C(1) << 52) - 1);
    memcpy(p, "0x1", 3);
    p += 3;
    if (frac != 0) {
        *p++ = '.';
        for (int shift = 48; frac != 0; shift -= 4) {
            *p++ = "0123456789abcdef"[(frac >> shift) & 15];
            frac &= (UINT64_C(1) << shift) - 1;
        }
    }
    p += sprintf(p, "p%+d", e - 1);
    return (int)(p - buf);
}

/* The value of parameter k. */
static double export_get(const void *params, unsigned real_size, unsigned long k)
{
    if (real_size == sizeof(float)) {
        float f;
        memcpy(&f, (const unsigned char *)params + k * sizeof f, sizeof f);
        return f;
    }
    double d;
    memcpy(&d, (const unsigned char *)params + k * sizeof d, sizeof d);
    return d;
}

static int export_is_ident(const char *s)
{
    size_t n = 0;
    if (!(isalpha((unsigned char)s[0]) || s[0] == '_'))
        return 0;
    for (; s[n]; ++n)
        if (!(isalnum((unsigned char)s[n]) || s[n] == '_'))
            return 0;
    return n <= EXPORT_NAME_MAX;
}

/* Everything about net and params that must hold before a byte is written. */
static int export_check(const char *path, const train_net *net, const void *params, char *err,
                        size_t errlen)
{
    if (net == NULL || params == NULL)
        return err_set(err, errlen, path, "no %s to export", net == NULL ? "network" : "parameters");
    if (net->name == NULL || !export_is_ident(net->name))
        return err_set(err, errlen, path, "net name '%s' is not a C identifier of 1..%d characters",
                       net->name ? net->name : "(null)", EXPORT_NAME_MAX);
    if (net->real_size != sizeof(float) && net->real_size != sizeof(double))
        return err_set(err, errlen, path, "%s: reals of %u bytes; only float and double are supported",
                       net->name, net->real_size);
    if (net->n_layers < 1 || net->sizes == NULL)
        return err_set(err, errlen, path, "%s: the network has no layers", net->name);
    unsigned long long n = 0;
    for (unsigned l = 0; l <= net->n_layers; ++l)
        if (net->sizes[l] == 0)
            return err_set(err, errlen, path, "%s: size %u of the network is 0", net->name, l);
    for (unsigned l = 1; l <= net->n_layers; ++l) {
        const unsigned long long n_in = net->sizes[l - 1], n_out = net->sizes[l];
        n += n_in * n_out + n_out; /* each factor < 2^32: no overflow before the check below */
        if (n > (unsigned long long)net->n_params)
            break;
    }
    if (n != net->n_params)
        return err_set(err, errlen, path, "%s: the layer sizes make %s%llu parameters, the descriptor says %lu",
                       net->name, n > net->n_params ? "more than " : "", n, net->n_params);
    /* NaN and infinity have no C literal; the first one found is reported */
    unsigned long k = 0;
    for (unsigned l = 1; l <= net->n_layers; ++l) {
        const unsigned n_in = net->sizes[l - 1], n_out = net->sizes[l];
        for (unsigned long q = 0; q < (unsigned long)n_in * n_out + n_out; ++q, ++k) {
            const double v = export_get(params, net->real_size, k);
            if (isfinite(v))
                continue;
            char at[64];
            if (q < (unsigned long)n_in * n_out)
                snprintf(at, sizeof at, "l%u.w[%lu][%lu]", l, q / n_out, q % n_out);
            else
                snprintf(at, sizeof at, "l%u.b[%lu]", l, q - (unsigned long)n_in * n_out);
            return err_set(err, errlen, path,
                           "%s: parameter %s (number %lu) is %s, which C cannot express; "
                           "did training diverge? nothing written",
                           net->name, at, k, isnan(v) ? "NaN" : v < 0 ? "-infinity" : "infinity");
        }
    }
    return 0;
}

/* Comment text: keep it printable and never close the comment early. */
static void export_comment_text(FILE *fp, const char *s)
{
    for (; *s; ++s) {
        const unsigned char c = (unsigned char)*s;
        if (c == '*' && s[1] == '/')
            fputs("*\\/", fp), ++s;
        else if (c < 0x20 || c == 0x7f)
            fputc('?', fp);
        else
            fputc(c, fp);
    }
}

static void export_upper(char *dst, const char *s)
{
    size_t n = 0;
    for (; s[n]; ++n)
        dst[n] = (char)toupper((unsigned char)s[n]);
    dst[n] = '\0';
}

static void export_banner(FILE *fp, const train_net *net, const char *file, const char *what)
{
    fputs("/* ", fp);
    export_comment_text(fp, file);
    fprintf(fp, ": %s\n *\n * generated by constnet from ", what);
    export_comment_text(fp, net->spec ? net->spec : "(unknown spec)");
    fprintf(fp, " \xe2\x80\x94 do not edit\n *\n * %s: %u", net->name, net->sizes[0]);
    for (unsigned l = 1; l <= net->n_layers; ++l)
        fprintf(fp, " -> %u", net->sizes[l]);
    fprintf(fp, ", %s, %lu parameters (%lu bytes)\n", net->real_size == 4 ? "float" : "double",
            net->n_params, net->n_params * net->real_size);
}

static void export_write_values(FILE *fp, const void *params, unsigned real_size,
                                 unsigned long *k, unsigned long count, const char *indent)
{
    const unsigned per_line = real_size == 4 ? EXPORT_PER_LINE_F : EXPORT_PER_LINE_D;
    char lit[EXPORT_HEX_MAX];
    for (unsigned long i = 0; i < count; ++i, ++*k) {
        export_hex_double(lit, export_get(params, real_size, *k)); /* finite: checked */
        fprintf(fp, "%s%s%s%s", i % per_line == 0 ? indent : " ", lit, real_size == 4 ? "f" : "",
                i + 1 == count ? "\n" : i % per_line == per_line - 1 ? ",\n" : ",");
    }
}

static int export_has_norm(const model_meta *meta)
{
    return meta && meta->norm.kind != DATA_NORM_NONE;
}

static int export_has_names(const model_meta *meta)
{
    return meta && meta->classes.n > 0;
}

static void export_write_header(FILE *fp, const train_net *net, const model_meta *meta, const char *file)
{
    char up[EXPORT_NAME_MAX + 1];
    export_upper(up, net->name);
    const char *n = net->name;
    export_banner(fp, net, file, "declares the trained weights");
    if (export_has_norm(meta))
        fprintf(fp,
                " *\n"
                " * Raw and normalized input: %s_predict (and every function of %s.h)\n"
                " * takes normalized input. %s_normalize below turns raw values, as the\n"
                " * training data had them, into that input (normalize = \"%s\", with the\n"
                " * statistics of the training split):\n"
                " *     %s_input x;\n"
                " *     %s_normalize(&x, raw);\n"
                " *     %s_output y;\n"
                " *     int best = %s_predict(&y, &%s_weights, &x);\n",
                n, n, n, data_norm_name(meta->norm.kind), n, n, n, n, n);
    else
        fprintf(fp,
                " *\n"
                " * Defined in the exported %s_weights.c. Use with the generated %s.h / %s.c:\n"
                " *     %s_output y;\n"
                " *     int best = %s_predict(&y, &%s_weights, &x);\n",
                n, n, n, n, n, n);
    fprintf(fp,
            " */\n"
            "#ifndef %s_WEIGHTS_H\n"
            "#define %s_WEIGHTS_H\n"
            "\n"
            "#include \"%s.h\"\n"
            "\n"
            "#ifdef __cplusplus\n"
            "extern \"C\" {\n"
            "#endif\n"
            "\n"
            "extern const %s_params %s_weights;\n",
            up, up, n, n, n);
    if (export_has_norm(meta))
        fprintf(fp,
                "\n"
                "/* x = (raw - shift) * scale, per input: raw values in, normalized input out */\n"
                "void %s_normalize(%s_input *x, const float raw[%s_IN]);\n",
                n, n, up);
    if (export_has_names(meta))
        fprintf(fp,
                "\n"
                "/* the name of each class the model was trained on, by output index */\n"
                "enum { %s_N_CLASS_NAMES = %u };\n"
                "extern const char *const %s_class_names[%s_N_CLASS_NAMES];\n",
                up, meta->classes.n, n, up);
    fprintf(fp,
            "\n"
            "#ifdef __cplusplus\n"
            "}\n"
            "#endif\n"
            "\n"
            "#endif /* %s_WEIGHTS_H */\n",
            up);
}

/* A C string literal of s: quotes, backslashes and '?' (trigraphs) escaped,
 * bytes outside printable ASCII as octal escapes. */
static void export_c_string(FILE *fp, const char *s)
{
    fputc('"', fp);
    for (; *s; ++s) {
        const unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\' || c == '?')
            fprintf(fp, "\\%c", c);
        else if (c < 0x20 || c >= 0x7f)
            fprintf(fp, "\\%03o", c);
        else
            fputc(c, fp);
    }
    fputc('"', fp);
}

static void export_write_norm(FILE *fp, const train_net *net, const model_meta *meta)
{
    const char *n = net->name;
    char up[EXPORT_NAME_MAX + 1];
    export_upper(up, n);
    const data_norm *nm = &meta->norm;
    fprintf(fp,
            "\n"
            "/* Input normalization, normalize = \"%s\": statistics of the training split,\n"
            " * x = (raw - shift) * scale (%s) */\n",
            data_norm_name(nm->kind),
            nm->kind == DATA_NORM_STANDARDIZE ? "shift: the mean, scale: 1 / the standard deviation"
                                              : "shift: the minimum, scale: 1 / (maximum - minimum)");
    const char *what[2] = {"shift", "scale"};
    const float *vals[2] = {nm->shift, nm->scale};
    for (int w = 0; w < 2; ++w) {
        unsigned long k = 0;
        fprintf(fp, "static const float %s_norm_%s[%s_IN] = {\n", n, what[w], up);
        export_write_values(fp, vals[w], sizeof(float), &k, nm->dim, "    ");
        fputs("};\n", fp);
    }
    fprintf(fp,
            "\n"
            "void %s_normalize(%s_input *x, const float raw[%s_IN])\n"
            "{\n"
            "    for (int i = 0; i < %s_IN; ++i)\n"
            "        x->v[i] = (%s)((raw[i] - %s_norm_shift[i]) * %s_norm_scale[i]);\n"
            "}\n",
            n, n, up, up, net->real_size == 4 ? "float" : "double", n, n);
}

static void export_write_names(FILE *fp, const train_net *net, const model_meta *meta)
{
    fprintf(fp, "\nconst char *const %s_class_names[%u] = {\n", net->name, meta->classes.n);
    for (unsigned k = 0; k < meta->classes.n; ++k) {
        fputs("    ", fp);
        export_c_string(fp, meta->classes.name[k]);
        fputs(k + 1 < meta->classes.n ? ",\n" : "\n", fp);
    }
    fputs("};\n", fp);
}


static void export_write_source(FILE *fp, const train_net *net, const void *params,
                                const model_meta *meta, const char *file)
{
    char up[EXPORT_NAME_MAX + 1];
    export_upper(up, net->name);
    const char *n = net->name;
    export_banner(fp, net, file, "the trained weights, as C");
    fprintf(fp,
            " *\n"
            " * Every value is an exact hexadecimal floating literal: these are the\n"
            " * trained weights bit for bit. The initializer follows %s_params: one\n"
            " * block per layer, w[n_in][n_out] (input i to output j) then b[n_out].\n"
            " * Build it with the generated %s.h / %s.c, e.g. for inference only:\n"
            " *     cc -std=c99 -D%s_INFERENCE_ONLY -c %s.c %s_weights.c\n"
            " */\n"
            "#include \"%s.h\"\n"
            "#include \"%s_weights.h\"\n"
            "\n"
            "#if %s_FINGERPRINT != 0x%08lxu\n"
            "#error \"%s_weights: exported for another shape of %s than this %s.h describes\"\n"
            "#endif\n"
            "\n"
            "const %s_params %s_weights = {\n",
            n, n, n, up, n, n, n, n, up, (unsigned long)net->fingerprint, n, n, n, n, n);
    unsigned long k = 0;
    for (unsigned l = 1; l <= net->n_layers; ++l) {
        const unsigned n_in = net->sizes[l - 1], n_out = net->sizes[l];
        fprintf(fp, "    /* l%u: %u -> %u */\n    {\n", l, n_in, n_out);
        fprintf(fp, "        /* l%u.w[%u][%u] */\n        {\n", l, n_in, n_out);
        for (unsigned i = 0; i < n_in; ++i) {
            fprintf(fp, "            { /* w[%u] */\n", i);
            export_write_values(fp, params, net->real_size, &k, n_out, "                ");
            fprintf(fp, "            }%s\n", i + 1 < n_in ? "," : "");
        }
        fprintf(fp, "        },\n        /* l%u.b[%u] */\n        {\n", l, n_out);
        export_write_values(fp, params, net->real_size, &k, n_out, "            ");
        fprintf(fp, "        }\n    }%s\n", l < net->n_layers ? "," : "");
    }
    fputs("};\n", fp);
    if (export_has_norm(meta))
        export_write_norm(fp, net, meta);
    if (export_has_names(meta))
        export_write_names(fp, net, meta);
}

int export_c_weights(const char *path, const train_net *net, const void *params, char *err,
                     size_t errlen)
{
    return export_c_weights_meta(path, net, params, NULL, err, errlen);
}

int export_c_weights_meta(const char *path, const train_net *net, const void *params, const model_meta *meta,
                          char *err, size_t errlen)
{
    if (path == NULL || path[0] == '\0')
        return err_set(err, errlen, "export", "no output path");
    if (export_check(path, net, params, err, errlen) != 0)
        return -1;
    if (export_has_norm(meta) && meta->norm.dim != net->n_in)
        return err_set(err, errlen, path, "%s: normalization statistics for %zu inputs, the network takes %u",
                       net->name, meta->norm.dim, net->n_in);

    /* the header goes next to path: DIR/<name>_weights.h */
    const char *slash = strrchr(path, '/');
    const size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;
    const char *base = path + dirlen;
    const size_t hlen = dirlen + strlen(net->name) + sizeof "_weights.h";
    char *hpath = malloc(hlen);
    if (hpath == NULL)
        return err_set(err, errlen, path, "out of memory");
    snprintf(hpath, hlen, "%.*s%s_weights.h", (int)dirlen, path, net->name);
    if (strcmp(hpath + dirlen, base) == 0) {
        err_set(err, errlen, path, "this is the name of the header that declares the weights; "
                                   "export to %s_weights.c", net->name);
        free(hpath);
        return -1;
    }

    atomic_file c = {0}, h = {0};
    int rc = -1;
    if (atomic_open(&c, path, err, errlen) != 0)
        goto out;
    if (atomic_open(&h, hpath, err, errlen) != 0)
        goto out;
    export_write_source(c.fp, net, params, meta, base);
    export_write_header(h.fp, net, meta, hpath + dirlen);
    if (atomic_close(&c, 1, err, errlen) != 0 || atomic_close(&h, 1, err, errlen) != 0)
        goto out;

    /* the header first: it declares the same thing whatever the weights, so a
     * replaced one is harmless; a new one is removed if the source fails */
    const int had_header = access(hpath, F_OK) == 0;
    if (atomic_rename(&h, err, errlen) != 0)
        goto out;
    if (atomic_rename(&c, err, errlen) != 0) {
        if (!had_header)
            unlink(hpath);
        goto out;
    }
    rc = 0;
out:
    atomic_abandon(&c);
    atomic_abandon(&h);
    free(hpath);
    return rc;
}
