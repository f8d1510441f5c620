/* testutil.c: helpers shared by the Check suites; see testutil.h. */
#define _XOPEN_SOURCE 700 /* mkdtemp, nftw, lstat */

#include "testutil.h"

#include <errno.h>
#include <math.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

const char *tu_root(void)
{
    const char *r = getenv("CONSTNET_ROOT");
    return r != NULL && r[0] != '\0' ? r : ".";
}

int tu_mkdtemp(char *buf, size_t len, const char *prefix)
{
    if (buf == NULL || len == 0 || prefix == NULL) {
        errno = EINVAL;
        return -1;
    }
    const char *dir = prefix[0] == '/' ? "" : "/tmp/";
    if (strlen(dir) + strlen(prefix) + sizeof "XXXXXX" > len) {
        buf[0] = '\0';
        errno = ENAMETOOLONG;
        return -1;
    }
    snprintf(buf, len, "%s%sXXXXXX", dir, prefix);
    if (mkdtemp(buf) == NULL) {
        const int e = errno;
        buf[0] = '\0';
        errno = e;
        return -1;
    }
    return 0;
}

/* nftw passes no user data: the first failure of one tu_rmtree call. */
static int rm_errno;

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    if (remove(path) != 0 && rm_errno == 0)
        rm_errno = errno != 0 ? errno : EIO;
    return 0; /* keep going */
}

int tu_rmtree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return errno == ENOENT ? 0 : -1;
    rm_errno = 0;
    if (nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS) != 0)
        return -1;
    if (rm_errno != 0) {
        errno = rm_errno;
        return -1;
    }
    return 0;
}

char *tu_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap + 1);
    int e = ENOMEM;
    while (buf != NULL) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap) { /* end of file or an error */
            if (ferror(f)) {
                e = errno != 0 ? errno : EIO;
                free(buf);
                buf = NULL;
            }
            break;
        }
        char *bigger = cap <= (SIZE_MAX - 1) / 2 ? realloc(buf, 2 * cap + 1) : NULL;
        if (bigger == NULL) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = bigger;
        cap *= 2;
    }
    fclose(f);
    if (buf == NULL) {
        errno = e;
        return NULL;
    }
    buf[n] = '\0';
    if (len != NULL)
        *len = n;
    return buf;
}

int tu_write(const char *path, const void *buf, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        return -1;
    const int wrote = len == 0 || fwrite(buf, 1, len, f) == len;
    const int e = errno;
    if (fclose(f) != 0)
        return -1;
    if (!wrote) {
        errno = e != 0 ? e : EIO;
        return -1;
    }
    return 0;
}

int tu_vsh(const char *fmt, va_list ap)
{
    /* tests/run.sh counts this suite's results in the TAP file it names; a
     * suite run from here (a nested Check program) must not write there, so
     * the shell drops the variable (this process keeps it for its own runner) */
    static const char prefix[] = "unset CK_TAP_LOG_FILE_NAME; ";
    va_list aq;
    va_copy(aq, ap);
    const int n = vsnprintf(NULL, 0, fmt, aq);
    va_end(aq);
    if (n < 0)
        return -1;
    char *cmd = malloc(sizeof prefix + (size_t)n);
    if (cmd == NULL)
        return -1;
    memcpy(cmd, prefix, sizeof prefix - 1);
    vsnprintf(cmd + sizeof prefix - 1, (size_t)n + 1, fmt, ap);
    const int st = system(cmd);
    free(cmd);
    return st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int tu_sh(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    const int status = tu_vsh(fmt, ap);
    va_end(ap);
    return status;
}

int tu_sh_into(const char *dir, const char *fmt, ...)
{
    va_list ap, aq;
    va_start(ap, fmt);
    va_copy(aq, ap);
    const int n = vsnprintf(NULL, 0, fmt, aq);
    va_end(aq);
    char *cmd = n < 0 ? NULL : malloc((size_t)n + 1);
    if (cmd == NULL) {
        va_end(ap);
        return -1;
    }
    vsnprintf(cmd, (size_t)n + 1, fmt, ap);
    va_end(ap);
    const int status = tu_sh("(%s) >'%s/out' 2>'%s/err'", cmd, dir, dir);
    free(cmd);
    return status;
}

/* ---- scratch directories ------------------------------------------------- */

static char *tu_base;     /* the suite's base directory */
static char *tu_dir;      /* the current test's subdirectory */
static char **tu_paths;   /* strings handed out by tu_scratch_path */
static size_t tu_npaths;

int tu_scratch_open(const char *prefix)
{
    const size_t len = strlen(prefix) + 64;
    tu_base = malloc(len);
    if (tu_base == NULL)
        return -1;
    if (tu_mkdtemp(tu_base, len, prefix) != 0) {
        free(tu_base);
        tu_base = NULL;
        return -1;
    }
    return 0;
}

void tu_scratch_close(void)
{
    if (tu_base != NULL)
        tu_rmtree(tu_base);
    free(tu_base);
    tu_base = NULL;
}

int tu_scratch_enter(void)
{
    if (tu_base == NULL) {
        errno = ENOENT;
        return -1;
    }
    const size_t len = strlen(tu_base) + 16;
    char *prefix = malloc(len);
    tu_dir = malloc(len + 8);
    if (prefix == NULL || tu_dir == NULL) {
        free(prefix);
        free(tu_dir);
        tu_dir = NULL;
        return -1;
    }
    snprintf(prefix, len, "%s/t.", tu_base);
    const int rc = tu_mkdtemp(tu_dir, len + 8, prefix);
    free(prefix);
    if (rc != 0) {
        free(tu_dir);
        tu_dir = NULL;
    }
    return rc;
}

void tu_scratch_leave(void)
{
    for (size_t k = 0; k < tu_npaths; ++k)
        free(tu_paths[k]);
    free(tu_paths);
    tu_paths = NULL;
    tu_npaths = 0;
    if (tu_dir != NULL)
        tu_rmtree(tu_dir);
    free(tu_dir);
    tu_dir = NULL;
}

const char *tu_scratch_dir(void)
{
    return tu_dir;
}

const char *tu_scratch_path(const char *name)
{
    if (tu_dir == NULL) {
        errno = ENOENT;
        return NULL;
    }
    char **more = realloc(tu_paths, (tu_npaths + 1) * sizeof *more);
    if (more == NULL)
        return NULL;
    tu_paths = more;
    const size_t len = strlen(tu_dir) + 1 + strlen(name) + 1;
    char *p = malloc(len);
    if (p == NULL)
        return NULL;
    snprintf(p, len, "%s/%s", tu_dir, name);
    tu_paths[tu_npaths++] = p;
    return p;
}

double tu_max_abs_float(const float *v, size_t n)
{
    double m = 0.0;
    for (size_t k = 0; k < n; ++k)
        m = fmax(m, fabs((double)v[k]));
    return m;
}
