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

enum { EXPORT_TENSORS_MAX = 512 };

/* One parameter tensor of the block, as export writes it. */
typedef struct {
    unsigned layer;          /* l<layer>: which member of <net>_params */
    char name[16];           /* "w", "b" */
    unsigned rank, dims[4];
    unsigned long count;
} export_tensor;

/* The parameter block's tensors, in order: the descriptor's tensor table, or,
 * for a descriptor without one, dense layers from the sizes (w[n_in][n_out],
 * then b[n_out]). Checks that they add up to n_params. */
static int export_layout(const train_net *net, export_tensor *t, unsigned *nt, char *err, size_t errlen,
                         const char *path)
{
    unsigned long long total = 0;
    *nt = 0;
    if (net->n_tensors > 0 && net->tensors != NULL) {
        if (net->n_tensors > EXPORT_TENSORS_MAX)
            return err_set(err, errlen, path, "%s: %u parameter tensors, more than %d", net->name, net->n_tensors,
                           EXPORT_TENSORS_MAX);
        for (unsigned k = 0; k < net->n_tensors; ++k) {
            const train_tensor *T = &net->tensors[k];
            export_tensor *e = &t[k];
            const char *dot = T->name ? strchr(T->name, '.') : NULL;
            if (!dot || T->name[0] != 'l' || sscanf(T->name + 1, "%u", &e->layer) != 1 || strlen(dot + 1) == 0 ||
                strlen(dot + 1) >= sizeof e->name || T->rank < 1 || T->rank > 4 || T->offset != total)
                return err_set(err, errlen, path, "%s: parameter tensor %u is malformed", net->name, k);
            snprintf(e->name, sizeof e->name, "%s", dot + 1);
            e->rank = T->rank;
            e->count = 1;
            for (unsigned r = 0; r < T->rank; ++r) {
                if (T->dims[r] == 0)
                    return err_set(err, errlen, path, "%s: tensor %s has a dimension 0", net->name, T->name);
                e->dims[r] = T->dims[r];
                e->count *= T->dims[r];
            }
            total += e->count;
        }
        *nt = net->n_tensors;
    } else {
        if (net->n_layers < 1 || net->sizes == NULL)
            return err_set(err, errlen, path, "%s: the network has no layers", net->name);
        if (2 * net->n_layers > EXPORT_TENSORS_MAX)
            return err_set(err, errlen, path, "%s: %u layers, more than %d", net->name, net->n_layers,
                           EXPORT_TENSORS_MAX / 2);
        for (unsigned l = 0; l <= net->n_layers; ++l)
            if (net->sizes[l] == 0)
                return err_set(err, errlen, path, "%s: size %u of the network is 0", net->name, l);
        for (unsigned l = 1; l <= net->n_layers; ++l) {
            const unsigned n_in = net->sizes[l - 1], n_out = net->sizes[l];
            t[*nt] = (export_tensor){.layer = l, .name = "w", .rank = 2, .dims = {n_in, n_out},
                                     .count = (unsigned long)n_in * n_out};
            t[*nt + 1] = (export_tensor){.layer = l, .name = "b", .rank = 1, .dims = {n_out}, .count = n_out};
            total += (unsigned long long)n_in * n_out + n_out; /* each factor < 2^32: no overflow */
            *nt += 2;
            if (total > (unsigned long long)net->n_params)
                break;
        }
    }
    if (total != net->n_params)
        return err_set(err, errlen, path, "%s: the layer sizes make %s%llu parameters, the descriptor says %lu",
                       net->name, total > net->n_params ? "more than " : "", total, net->n_params);
    return 0;
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
    export_tensor *t = calloc(EXPORT_TENSORS_MAX, sizeof *t);
    unsigned nt;
    if (t == NULL)
        return err_set(err, errlen, path, "out of memory");
    const int bad = export_layout(net, t, &nt, err, errlen, path);
    free(t);
    if (bad)
        return -1;
    /* NaN and infinity have no C literal; the first one found is reported */
    for (unsigned long k = 0; k < net->n_params; ++k) {
        const double v = export_get(params, net->real_size, k);
        if (isfinite(v))
            continue;
        char at[96];
        train_param_name(net, k, at, sizeof at);
        return err_set(err, errlen, path,
                       "%s: parameter %s (number %lu) is %s, which C cannot express; "
                       "did training diverge? nothing written",
                       net->name, at, k, isnan(v) ? "NaN" : v < 0 ? "-infinity" : "infinity");
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

static int export_has_norm(const model_meta *meta)
{
    return meta && meta->norm.kind != DATA_NORM_NONE;
}

static int export_has_names(const model_meta *meta)
{
    return meta && meta->classes.n > 0;
}

/* "<sym>.h" for the header: the default symbol <net>_weights gives the
 * familiar <net>_weights.h. pre prefixes the normalization function and the
 * class names: the net's name with the default symbol, else the symbol. */
static void export_write_header(FILE *fp, const train_net *net, const char *sym, const char *pre,
                                const model_meta *meta, const char *file)
{
    char up[EXPORT_NAME_MAX + 1], sup[EXPORT_NAME_MAX + 1], pup[EXPORT_NAME_MAX + 1];
    export_upper(up, net->name);
    export_upper(sup, sym);
    export_upper(pup, pre);
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
                " *     %s_normalize(&x, raw);\n",
                n, n, pre, data_norm_name(meta->norm.kind), n, pre);
    fprintf(fp,
            " *\n"
            " * Defined in the exported %s.c. Use with the generated %s.h / %s.c:\n"
            " *     %s_output y;\n"
            " *     int best = %s_predict(&y, &%s, &x);\n"
            " *\n"
            " * %s names an object whose link name carries the shape fingerprint of\n"
            " * the %s.h the including file saw first: weights exported for another\n"
            " * shape of %s fail to link (undefined reference to %s_fp...) instead of\n"
            " * running with the wrong numbers.\n"
            " */\n"
            "#ifndef %s_H\n"
            "#define %s_H\n"
            "\n"
            "#include \"%s.h\"\n"
            "\n"
            "#ifndef %s_WEIGHTS_SYMBOL\n"
            "#error \"%s.h: this %s.h has no %s_WEIGHTS_SYMBOL; regenerate it with constnet\"\n"
            "#endif\n"
            "\n"
            "#ifdef __cplusplus\n"
            "extern \"C\" {\n"
            "#endif\n"
            "\n"
            "#define %s %s_WEIGHTS_SYMBOL(%s)\n"
            "extern const %s_params %s;\n",
            sym, n, n, n, n, sym, sym, n, n, sym, sup, sup, n, up, sym, n, up, sym, up, sym, n, sym);
    if (export_has_norm(meta))
        fprintf(fp,
                "\n"
                "/* x = (raw - shift) * scale, per input: raw values in, normalized input out */\n"
                "void %s_normalize(%s_input *x, const float raw[%s_IN]);\n",
                pre, n, up);
    if (export_has_names(meta))
        fprintf(fp,
                "\n"
                "/* the name of each class the model was trained on, by output index */\n"
                "enum { %s_N_CLASS_NAMES = %u };\n"
                "extern const char *const %s_class_names[%s_N_CLASS_NAMES];\n",
                pup, meta->classes.n, pre, pup);
    fprintf(fp,
            "\n"
            "#ifdef __cplusplus\n"
            "}\n"
            "#endif\n"
            "\n"
            "#endif /* %s_H */\n",
            sup);
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

/* The initializer of one tensor's dimensions from dim on: nested braces, one
 * level per dimension, values on the innermost. */
static void export_write_dims(FILE *fp, const export_tensor *t, unsigned dim, const void *params, unsigned real_size,
                              unsigned long *k, int depth)
{
    if (dim >= t->rank || dim >= 4)
        return; /* ranks are 1..4: checked by export_layout */
    char indent[64];
    const int width = depth * 4 < (int)sizeof indent - 1 ? depth * 4 : (int)sizeof indent - 1;
    memset(indent, ' ', (size_t)width);
    indent[width] = '\0';
    if (dim + 1 == t->rank) {
        char inner[68];
        snprintf(inner, sizeof inner, "%s    ", indent);
        export_write_values(fp, params, real_size, k, t->dims[dim], inner);
        return;
    }
    for (unsigned i = 0; i < t->dims[dim]; ++i) {
        fprintf(fp, "%s{ /* %s[%u] */\n", indent, t->name, i);
        export_write_dims(fp, t, dim + 1, params, real_size, k, depth + 1);
        fprintf(fp, "%s}%s\n", indent, i + 1 < t->dims[dim] ? "," : "");
    }
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

static void export_write_norm(FILE *fp, const train_net *net, const char *pre, const model_meta *meta)
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
        fprintf(fp, "static const float %s_norm_%s[%s_IN] = {\n", pre, what[w], up);
        export_write_values(fp, vals[w], sizeof(float), &k, nm->dim, "    ");
        fputs("};\n", fp);
    }
    fprintf(fp,
            "\n"
            "void %s_normalize(%s_input *x, const float raw[%s_IN])\n"
            "{\n"
            "    %s *v = (%s *)(void *)x->v;\n"
            "    for (int i = 0; i < %s_IN; ++i)\n"
            "        v[i] = (%s)((raw[i] - %s_norm_shift[i]) * %s_norm_scale[i]);\n"
            "}\n",
            pre, n, up, net->real_size == 4 ? "float" : "double", net->real_size == 4 ? "float" : "double", up,
            net->real_size == 4 ? "float" : "double", pre, pre);
}

static void export_write_names(FILE *fp, const char *pre, const model_meta *meta)
{
    fprintf(fp, "\nconst char *const %s_class_names[%u] = {\n", pre, meta->classes.n);
    for (unsigned k = 0; k < meta->classes.n; ++k) {
        fputs("    ", fp);
        export_c_string(fp, meta->classes.name[k]);
        fputs(k + 1 < meta->classes.n ? ",\n" : "\n", fp);
    }
    fputs("};\n", fp);
}

static void export_write_source(FILE *fp, const train_net *net, const char *sym, const char *pre,
                                const void *params, const model_meta *meta, const export_tensor *t, unsigned nt,
                                const char *file)
{
    char up[EXPORT_NAME_MAX + 1];
    export_upper(up, net->name);
    const char *n = net->name;
    export_banner(fp, net, file, "the trained weights, as C");
    fprintf(fp,
            " *\n"
            " * Every value is an exact hexadecimal floating literal: these are the\n"
            " * trained weights bit for bit. The initializer follows %s_params: one\n"
            " * block per layer with parameters, each tensor as %s.h declares it\n"
            " * (dense: w[n_in][n_out], input i to output j, then b[n_out]).\n"
            " * Build it with the generated %s.h / %s.c, e.g. for inference only:\n"
            " *     cc -std=c99 -D%s_INFERENCE_ONLY -c %s.c ",
            n, n, n, n, up, n);
    export_comment_text(fp, file); /* a file name may hold anything */
    fprintf(fp,
            "\n"
            " */\n"
            "#include \"%s.h\"\n"
            "#include \"%s.h\"\n"
            "\n"
            "#if %s_FINGERPRINT != 0x%08lxu\n"
            "#error \"%s: exported for another shape of %s than this %s.h describes\"\n"
            "#endif\n"
            "\n"
            "const %s_params %s = {\n",
            n, sym, up, (unsigned long)net->fingerprint, sym, n, n, n, sym);
    unsigned long k = 0;
    for (unsigned i = 0; i < nt; ++i) {
        const int first = i == 0 || t[i - 1].layer != t[i].layer;
        const int last = i + 1 == nt || t[i + 1].layer != t[i].layer;
        if (first)
            fprintf(fp, "    /* l%u */\n    {\n", t[i].layer);
        fprintf(fp, "        /* l%u.%s", t[i].layer, t[i].name);
        for (unsigned r = 0; r < t[i].rank; ++r)
            fprintf(fp, "[%u]", t[i].dims[r]);
        fputs(" */\n        {\n", fp);
        export_write_dims(fp, &t[i], 0, params, net->real_size, &k, 3);
        fprintf(fp, "        }%s\n", last ? "" : ",");
        if (last)
            fprintf(fp, "    }%s\n", i + 1 < nt ? "," : "");
    }
    fputs("};\n", fp);
    if (export_has_norm(meta))
        export_write_norm(fp, net, pre, meta);
    if (export_has_names(meta))
        export_write_names(fp, pre, meta);
}

int export_c_weights(const char *path, const train_net *net, const void *params, char *err,
                     size_t errlen)
{
    return export_c_weights_full(path, NULL, net, params, NULL, err, errlen);
}

int export_c_weights_named(const char *path, const char *symbol, const train_net *net, const void *params,
                           char *err, size_t errlen)
{
    return export_c_weights_full(path, symbol, net, params, NULL, err, errlen);
}

int export_c_weights_meta(const char *path, const train_net *net, const void *params, const model_meta *meta,
                          char *err, size_t errlen)
{
    return export_c_weights_full(path, NULL, net, params, meta, err, errlen);
}

int export_c_weights_full(const char *path, const char *symbol, const train_net *net, const void *params,
                          const model_meta *meta, char *err, size_t errlen)
{
    if (path == NULL || path[0] == '\0')
        return err_set(err, errlen, "export", "no output path");
    if (export_check(path, net, params, err, errlen) != 0)
        return -1;
    if (export_has_norm(meta) && meta->norm.dim != net->n_in)
        return err_set(err, errlen, path, "%s: normalization statistics for %zu inputs, the network takes %u",
                       net->name, meta->norm.dim, net->n_in);
    export_tensor *t = calloc(EXPORT_TENSORS_MAX, sizeof *t);
    unsigned nt;
    if (t == NULL)
        return err_set(err, errlen, path, "out of memory");
    if (export_layout(net, t, &nt, err, errlen, path) != 0) {
        free(t);
        return -1;
    }
    char sym[EXPORT_NAME_MAX + sizeof "_weights"];
    if (symbol == NULL)
        snprintf(sym, sizeof sym, "%s_weights", net->name);
    else if (!export_is_ident(symbol))
        return free(t), err_set(err, errlen, path, "symbol '%s' is not a C identifier of 1..%d characters", symbol,
                                EXPORT_NAME_MAX);
    else
        snprintf(sym, sizeof sym, "%s", symbol);
    if (strcmp(sym, net->name) == 0)
        return free(t), err_set(err, errlen, path, "symbol '%s' is the net's own name; its header would replace %s.h",
                                sym, sym);
    if (strlen(sym) > EXPORT_NAME_MAX)
        return free(t), err_set(err, errlen, path, "symbol '%s' is longer than %d characters; name it with --symbol",
                                sym, EXPORT_NAME_MAX);

    /* the header goes next to path: DIR/<symbol>.h */
    const char *slash = strrchr(path, '/');
    const size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;
    const char *base = path + dirlen;
    const size_t hlen = dirlen + strlen(sym) + sizeof ".h";
    char *hpath = malloc(hlen);
    if (hpath == NULL)
        return free(t), err_set(err, errlen, path, "out of memory");
    memcpy(hpath, path, dirlen); /* hlen = dirlen + strlen(sym) + 3 */
    memcpy(hpath + dirlen, sym, strlen(sym));
    memcpy(hpath + dirlen + strlen(sym), ".h", 3);
    if (strcmp(hpath + dirlen, base) == 0) {
        err_set(err, errlen, path, "this is the name of the header that declares the weights; "
                                   "export to %s.c", sym);
        free(hpath);
        free(t);
        return -1;
    }

    atomic_file c = {0}, h = {0};
    int rc = -1;
    if (atomic_open(&c, path, err, errlen) != 0)
        goto out;
    if (atomic_open(&h, hpath, err, errlen) != 0)
        goto out;
    const char *pre = symbol == NULL ? net->name : sym; /* prefix of normalize and class_names */
    export_write_source(c.fp, net, sym, pre, params, meta, t, nt, base);
    export_write_header(h.fp, net, sym, pre, meta, hpath + dirlen);
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
    free(t);
    return rc;
}
