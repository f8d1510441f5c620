/* csv.c: CSV tables as data sets (see csv.h). */
#define _POSIX_C_SOURCE 200809L
#include "csv.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "err.h"

/* One line split into fields: text[off[k]] is field k, NUL-terminated, in a
 * scratch buffer as long as the file; col[k] is its column. */
typedef struct {
    size_t n, cap;
    size_t *off;
    unsigned *col;
    int *quoted;
} csv_fields;

typedef struct {
    const char *name; /* for messages */
    char *err;
    size_t errlen;
    char *scratch;
} csv_ctx;

/* "NAME:LINE:COL: error: ..." */
#define CSV_ERR(c, line, col, ...) csv_error(c, line, col, __VA_ARGS__)

#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static int csv_error(const csv_ctx *c, size_t line, unsigned col, const char *fmt, ...)
{
    char where[ERR_WHERE_MAX + 48], msg[ERR_MAX];
    snprintf(where, sizeof where, "%.*s:%zu:%u", (int)ERR_WHERE_MAX, c->name, line, col);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return err_set(c->err, c->errlen, where, "%s", msg);
}

static void csv_fields_free(csv_fields *f)
{
    free(f->off);
    free(f->col);
    free(f->quoted);
    memset(f, 0, sizeof *f);
}

static int csv_fields_push(csv_fields *f, size_t off, unsigned col, int quoted)
{
    if (f->n == f->cap) {
        const size_t cap = f->cap ? 2 * f->cap : 16;
        size_t *o = realloc(f->off, cap * sizeof *o);
        if (o == NULL)
            return -1;
        f->off = o;
        unsigned *c = realloc(f->col, cap * sizeof *c);
        if (c == NULL)
            return -1;
        f->col = c;
        int *q = realloc(f->quoted, cap * sizeof *q);
        if (q == NULL)
            return -1;
        f->quoted = q;
        f->cap = cap;
    }
    f->off[f->n] = off;
    f->col[f->n] = col;
    f->quoted[f->n] = quoted;
    f->n++;
    return 0;
}

static const char *csv_field(const char *text, const csv_fields *f, size_t k)
{
    return text + f->off[k];
}

static int csv_blank(int ch)
{
    return ch == ' ' || ch == '\t';
}

/* Split the line [p, end) (line number line) into fields in text. */
static int csv_split(csv_ctx *c, char *text, const char *p, const char *end, size_t line, csv_fields *f)
{
    const char *start = p;
    char *out = text;
    f->n = 0;
    for (;;) {
        while (p < end && csv_blank((unsigned char)*p))
            ++p;
        const unsigned col = (unsigned)(p - start) + 1;
        const size_t off = (size_t)(out - text);
        int quoted = 0;
        if (p < end && *p == '"') {
            quoted = 1;
            ++p;
            for (;;) {
                if (p == end)
                    return CSV_ERR(c, line, col, "a quoted field is not closed on its line");
                if (*p == '"') {
                    if (p + 1 < end && p[1] == '"') {
                        *out++ = '"';
                        p += 2;
                        continue;
                    }
                    ++p;
                    break;
                }
                *out++ = *p++;
            }
            while (p < end && csv_blank((unsigned char)*p))
                ++p;
            if (p < end && *p != ',')
                return CSV_ERR(c, line, (unsigned)(p - start) + 1, "text after the closing quote of a field");
        } else {
            const char *s = p;
            while (p < end && *p != ',')
                ++p;
            const char *e = p;
            while (e > s && csv_blank((unsigned char)e[-1]))
                --e;
            memcpy(out, s, (size_t)(e - s));
            out += e - s;
        }
        *out++ = '\0';
        if (csv_fields_push(f, off, col, quoted) != 0)
            return CSV_ERR(c, line, col, "out of memory");
        if (p == end)
            return 0;
        ++p; /* the comma */
    }
}

/* Parse a whole field as a number: 0 ok, -1 not a number, -2 not finite as a float. */
static int csv_number(const char *s, double *v)
{
    if (s[0] == '\0')
        return -1;
    char *end = NULL;
    errno = 0;
    const double d = strtod(s, &end);
    if (end == s || *end != '\0')
        return -1;
    if (!isfinite(d) || fabs(d) > FLT_MAX)
        return -2;
    *v = d;
    return 0;
}

/* The first line is a header when it has a field that is not a number
 * where the next line (next, NULL if none) has a number, or none: so that
 * class names in the label column of the first row do not make it one. */
static int csv_is_header(const char *text, const csv_fields *f, const char *next_text, const csv_fields *next)
{
    double v;
    for (size_t k = 0; k < f->n; ++k)
        if (csv_number(csv_field(text, f, k), &v) != 0 &&
            (next == NULL || k >= next->n || csv_number(csv_field(next_text, next, k), &v) == 0))
            return 1;
    return 0;
}

/* A whole number 0..limit in s, else -1. */
static long long csv_whole(const char *s, long long limit)
{
    if (s[0] < '0' || s[0] > '9')
        return -1;
    long long v = 0;
    for (; *s; ++s) {
        if (*s < '0' || *s > '9')
            return -1;
        v = v * 10 + (*s - '0');
        if (v > limit)
            return -1;
    }
    return v;
}

/* The next non-blank line at or after *p: [*ls, *le), its number in *line. */
static int csv_next_line(const char **p, const char *end, const char **ls, const char **le, size_t *line)
{
    while (*p < end) {
        const char *s = *p;
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        const char *e = nl ? nl : end;
        *p = nl ? nl + 1 : end;
        *line += 1;
        const char *t = e;
        if (t > s && t[-1] == '\r')
            --t;
        const char *q = s;
        while (q < t && csv_blank((unsigned char)*q))
            ++q;
        if (q < t) {
            *ls = s;
            *le = t;
            return 1;
        }
    }
    return 0;
}

/* Mark which columns hold the label or targets (role 1); 0 on success. */
static int csv_pick_columns(const csv_ctx *c, const csv_options *o, const char *htext, const csv_fields *header,
                            size_t ncols,
                            size_t first_line, unsigned char *role)
{
    unsigned want = o->regression ? o->n_out : 1;
    /* features only: unless the row also has the label or targets, skipped */
    if (o->no_label && (o->n_out == 0 || ncols != o->n_in + want))
        return 0;
    if (o->label == NULL) {
        if (ncols < want + 1u)
            return CSV_ERR(c, first_line, 1, "%zu column%s leave no room for %u %s column%s and a feature", ncols,
                           ncols == 1 ? "" : "s", want, o->regression ? "target" : "label", want == 1 ? "" : "s");
        for (size_t k = ncols - want; k < ncols; ++k)
            role[k] = 1;
        return 0;
    }
    unsigned picked = 0;
    const char *s = o->label;
    for (;;) {
        const char *comma = strchr(s, ',');
        const size_t len = comma ? (size_t)(comma - s) : strlen(s);
        char tok[DATA_NAME_MAX + 1];
        long long k = -1;
        if (len > 0 && len <= DATA_NAME_MAX) {
            memcpy(tok, s, len);
            tok[len] = '\0';
            k = csv_whole(tok, (long long)ncols);
            if (k >= 1)
                k -= 1;
            else
                k = -1;
            for (size_t h = 0; k < 0 && header && h < header->n; ++h)
                if (strcmp(csv_field(htext, header, h), tok) == 0)
                    k = (long long)h;
        }
        if (k < 0)
            return err_set(c->err, c->errlen, c->name, "--label '%.*s' is neither a column number (1..%zu) nor %s",
                           (int)(len > DATA_NAME_MAX ? DATA_NAME_MAX : len), s, ncols,
                           header ? "a name in the header" : "possible without a header");
        if (role[k])
            return err_set(c->err, c->errlen, c->name, "--label names column %lld twice", k + 1);
        role[k] = 1;
        ++picked;
        if (comma == NULL)
            break;
        s = comma + 1;
    }
    if (picked != want)
        return err_set(c->err, c->errlen, c->name, "--label names %u column%s; the network needs %u %s", picked,
                       picked == 1 ? "" : "s", want,
                       o->regression ? (want == 1 ? "target" : "targets") : "label column");
    if (ncols == picked)
        return CSV_ERR(c, first_line, 1, "no feature columns are left besides the label");
    return 0;
}

/* A label field: a class number below n_out or a class name. */
static int csv_label(const csv_ctx *c, const csv_options *o, const char *s, int quoted, size_t line, unsigned col,
                     uint8_t *y)
{
    double v;
    if (!quoted && csv_number(s, &v) == 0) {
        if (v != floor(v) || v < 0)
            return CSV_ERR(c, line, col, "label %s is not a class number (0, 1, ...) or a name", s);
        if (v >= o->n_out)
            return CSV_ERR(c, line, col, "label %s is not below %u, the number of classes of the network", s,
                           o->n_out);
        *y = (uint8_t)v;
        return 0;
    }
    if (s[0] == '\0')
        return CSV_ERR(c, line, col, "empty label");
    const size_t len = strlen(s);
    if (len > DATA_NAME_MAX)
        return CSV_ERR(c, line, col, "class name of %zu bytes; at most %d", len, DATA_NAME_MAX);
    for (size_t i = 0; i < len; ++i)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return CSV_ERR(c, line, col, "class name with a control character");
    const int k = data_classes_find(o->classes, s, o->n_out);
    if (k < 0)
        return CSV_ERR(c, line, col, "class '%s' would be class %u, but the network has %u outputs", s,
                       o->classes->n, o->n_out);
    *y = (uint8_t)k;
    return 0;
}

int csv_parse(data_set *out, const char *buf, size_t len, const char *name, const csv_options *o, char *err,
              size_t errlen)
{
    memset(out, 0, sizeof *out);
    csv_ctx c = {.name = name ? name : "csv", .err = err, .errlen = errlen};
    char *head_text = NULL;
    if (o == NULL || o->classes == NULL || o->n_in == 0 || (!o->no_label && o->n_out == 0))
        return err_set(err, errlen, c.name, "csv_parse: bad options");
    if (o->n_out > DATA_MAX_CLASSES && !o->regression && !o->no_label)
        return err_set(err, errlen, c.name, "csv_parse: more than %d classes", DATA_MAX_CLASSES);
    if (memchr(buf, '\0', len) != NULL) {
        size_t line = 1;
        const char *z = memchr(buf, '\0', len);
        for (const char *q = buf; q < z; ++q)
            line += (*q == '\n');
        return CSV_ERR(&c, line, 1, "a NUL byte: this is not a text file");
    }
    c.scratch = malloc(len + 1);
    head_text = malloc(len + 1);
    csv_fields f = {0}, head = {0};
    unsigned char *role = NULL;
    int rc = -1;
    if (c.scratch == NULL || head_text == NULL) {
        err_set(err, errlen, c.name, "out of memory");
        goto done;
    }

    /* rows: count the non-blank lines */
    const char *p = buf, *end = buf + len, *ls, *le;
    size_t line = 0, lines = 0;
    while (csv_next_line(&p, end, &ls, &le, &line))
        ++lines;
    if (lines == 0) {
        CSV_ERR(&c, 1, 1, "empty file: no rows");
        goto done;
    }

    /* the first line: a description, a header, or data */
    p = buf;
    line = 0;
    csv_next_line(&p, end, &ls, &le, &line);
    if (csv_split(&c, head_text, ls, le, line, &head) != 0)
        goto done;
    size_t data_rows = lines;
    long long desc_n = -1;
    size_t desc_line = 0, head_line = 0;
    const char *data_p = buf; /* where the data rows start, and the lines before */
    size_t data_line = 0;
    double v;
    int names = head.n >= 2 && !head.quoted[0] && !head.quoted[1] &&
                csv_whole(csv_field(head_text, &head, 0), 1LL << 40) >= 0 &&
                csv_whole(csv_field(head_text, &head, 1), 1LL << 40) >= 0;
    int any_name = 0;
    for (size_t k = 2; names && k < head.n; ++k) {
        names &= csv_number(csv_field(head_text, &head, k), &v) != 0;
        any_name = 1;
    }
    if (names && any_name) {
        desc_n = csv_whole(csv_field(head_text, &head, 0), 1LL << 40);
        /* the count must fit, with or without a header after it: a data row of
         * two whole numbers and a class name stays a data row */
        names = desc_n + 1 == (long long)lines || desc_n + 2 == (long long)lines;
    }
    if (names && any_name) {
        desc_line = line;
        for (size_t k = 2; k < head.n && !o->no_label && !o->regression; ++k) {
            const char *nm = csv_field(head_text, &head, k);
            uint8_t y;
            if (nm[0] == '\0')
                continue;
            if (csv_label(&c, o, nm, 1, line, head.col[k], &y) != 0)
                goto done;
            if (y != k - 2) {
                CSV_ERR(&c, line, head.col[k], "class name '%s' is already class %u", nm, (unsigned)y);
                goto done;
            }
        }
        data_rows--;
        data_p = p;
        data_line = line;
        if (!csv_next_line(&p, end, &ls, &le, &line)) {
            CSV_ERR(&c, desc_line, 1, "a description line but no data rows");
            goto done;
        }
        if (csv_split(&c, head_text, ls, le, line, &head) != 0)
            goto done;
    }
    {
        const size_t hl = line;
        const int second = csv_next_line(&p, end, &ls, &le, &line);
        if (second && csv_split(&c, c.scratch, ls, le, line, &f) != 0)
            goto done;
        if (csv_is_header(head_text, &head, second ? c.scratch : NULL, second ? &f : NULL)) {
            head_line = hl;
            data_rows--;
            if (!second) {
                CSV_ERR(&c, hl, 1, "a header but no data rows");
                goto done;
            }
        } else {
            head.n = 0;
            p = data_p;
            line = data_line;
            csv_next_line(&p, end, &ls, &le, &line);
            if (csv_split(&c, c.scratch, ls, le, line, &f) != 0)
                goto done;
        }
    }
    const size_t first_line = line;
    const size_t ncols = head.n ? head.n : f.n;

    /* columns */
    role = calloc(ncols, 1);
    if (role == NULL) {
        err_set(err, errlen, c.name, "out of memory");
        goto done;
    }
    if (csv_pick_columns(&c, o, head.n ? head_text : NULL, head.n ? &head : NULL, ncols, first_line, role) != 0)
        goto done;
    size_t n_lab = 0;
    for (size_t k = 0; k < ncols; ++k)
        n_lab += role[k];
    const size_t dim = ncols - n_lab;
    if (dim != o->n_in) {
        CSV_ERR(&c, first_line, 1, "%zu columns%s make %zu features; the network takes %u inputs", ncols,
                n_lab ? (o->regression ? " less the targets" : " less the label") : "", dim, o->n_in);
        goto done;
    }

    /* rows */
    out->n = data_rows;
    out->dim = dim;
    out->x = malloc(data_rows * dim * sizeof *out->x);
    if (!o->no_label && o->regression) {
        out->n_targets = o->n_out;
        out->t = malloc(data_rows * o->n_out * sizeof *out->t);
    } else if (!o->no_label) {
        out->y = malloc(data_rows);
    }
    if (out->x == NULL || (!o->no_label && out->t == NULL && out->y == NULL)) {
        err_set(err, errlen, c.name, "out of memory");
        goto done;
    }
    for (size_t r = 0; r < data_rows; ++r) {
        if (r > 0) {
            csv_next_line(&p, end, &ls, &le, &line);
            if (csv_split(&c, c.scratch, ls, le, line, &f) != 0)
                goto done;
        }
        if (f.n != ncols) {
            CSV_ERR(&c, line, f.n > ncols ? f.col[ncols] : (unsigned)(le - ls) + 1,
                    "%zu field%s, expected %zu as on line %zu", f.n, f.n == 1 ? "" : "s", ncols,
                    head.n ? head_line : first_line);
            goto done;
        }
        size_t xi = 0, ti = 0;
        for (size_t k = 0; k < ncols; ++k) {
            const char *s = csv_field(c.scratch, &f, k);
            if (role[k] && o->no_label)
                continue;
            if (role[k] && !o->regression) {
                if (csv_label(&c, o, s, f.quoted[k], line, f.col[k], &out->y[r]) != 0)
                    goto done;
                continue;
            }
            double v = 0.0;
            const int bad = csv_number(s, &v);
            if (bad == -1 && s[0] == '\0') {
                CSV_ERR(&c, line, f.col[k], "empty field, expected a number");
                goto done;
            }
            if (bad == -1) {
                CSV_ERR(&c, line, f.col[k], "'%.40s' is not a number", s);
                goto done;
            }
            if (bad == -2) {
                CSV_ERR(&c, line, f.col[k], "'%.40s' is not a finite number a float can hold", s);
                goto done;
            }
            if (role[k])
                out->t[r * o->n_out + ti++] = (float)v;
            else
                out->x[r * dim + xi++] = (float)v;
        }
    }
    rc = 0;
done:
    if (rc != 0)
        data_set_free(out);
    csv_fields_free(&f);
    csv_fields_free(&head);
    free(role);
    free(head_text);
    free(c.scratch);
    return rc;
}

/* zlib's message for gz, without the "PATH: " it puts in front. */
static const char *csv_gz_message(gzFile gz, const char *path, int *zerr)
{
    const char *msg = gzerror(gz, zerr);
    const size_t n = strlen(path);
    if (msg && strncmp(msg, path, n) == 0 && msg[n] == ':' && msg[n + 1] == ' ')
        msg += n + 2;
    return msg && msg[0] ? msg : "corrupt gzip data";
}

int csv_load(data_set *out, const char *path, const csv_options *o, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    gzFile gz = gzopen(path, "rb");
    if (gz == NULL)
        return err_set(err, errlen, path, "cannot open: %s", errno ? strerror(errno) : "out of memory");
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    int rc = 0;
    for (;;) {
        if (buf == NULL) {
            rc = err_set(err, errlen, path, "out of memory");
            break;
        }
        if (len == cap) {
            if (cap >= CSV_MAX_BYTES) {
                rc = err_set(err, errlen, path, "larger than %zu bytes", CSV_MAX_BYTES);
                break;
            }
            char *more = realloc(buf, cap * 2);
            if (more == NULL) {
                rc = err_set(err, errlen, path, "out of memory");
                break;
            }
            buf = more;
            cap *= 2;
        }
        const int got = gzread(gz, buf + len, (unsigned)(cap - len > (1u << 30) ? (1u << 30) : cap - len));
        if (got < 0) {
            int zerr = 0;
            const char *msg = csv_gz_message(gz, path, &zerr);
            rc = err_set(err, errlen, path, "cannot read: %s", zerr == Z_ERRNO ? strerror(errno) : msg);
            break;
        }
        if (got == 0) {
            /* a stream cut short ends like a whole one, with the error kept aside */
            int zerr = 0;
            const char *msg = csv_gz_message(gz, path, &zerr);
            if (zerr != Z_OK && zerr != Z_STREAM_END)
                rc = err_set(err, errlen, path, "cannot read: %s", msg);
            break;
        }
        len += (size_t)got;
    }
    gzclose(gz);
    if (rc == 0)
        rc = csv_parse(out, buf, len, path, o, err, errlen);
    free(buf);
    return rc;
}

int csv_is_csv_name(const char *path)
{
    const size_t n = strlen(path);
    return (n > 4 && strcmp(path + n - 4, ".csv") == 0) || (n > 7 && strcmp(path + n - 7, ".csv.gz") == 0);
}
