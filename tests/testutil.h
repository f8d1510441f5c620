/* testutil.h: the few helpers the Check suites share: the repo root,
 * temporary directories, whole-file reads and writes, shell commands.
 *
 * Library style: a failure is returned (NULL or -1, with errno set where the
 * C library sets it), never printed and never fatal; each suite decides what
 * it means, usually with ck_assert. No helper has a fixed limit on the length
 * of a path, a file or a command. Built from tests/testutil.c by tests/tests.mk
 * and linked into every suite. */
#ifndef CONSTNET_TESTUTIL_H
#define CONSTNET_TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>

#if defined(__GNUC__) || defined(__clang__)
#define TU_PRINTF(fmt, first) __attribute__((format(printf, fmt, first)))
#else
#define TU_PRINTF(fmt, first)
#endif

/* The repo root: $CONSTNET_ROOT when it is set and not empty, else ".". */
const char *tu_root(void);

/* Make a new directory named PREFIX followed by six random characters, in
 * /tmp unless PREFIX starts with '/' ("constnet-spec-" gives something like
 * "/tmp/constnet-spec-Xa3f9Q"), and write its path to BUF, LEN bytes.
 * Returns 0, or -1 with errno set (ENAMETOOLONG when BUF is too small) and
 * BUF holding "". */
int tu_mkdtemp(char *buf, size_t len, const char *prefix);

/* Remove PATH and everything below it, like rm -rf: symbolic links are
 * removed, never followed, and an entry that cannot be removed does not stop
 * the rest. A PATH that does not exist is not an error. Returns 0, or -1 with
 * errno from the first failure. Not reentrant (nftw keeps its state in a
 * static), which a test process never needs. */
int tu_rmtree(const char *path);

/* The whole file at PATH in a buffer from malloc with a '\0' appended, so
 * that text can be used as a string; the length without the '\0' goes to
 * *LEN unless LEN is NULL. Returns NULL with errno set when the file cannot
 * be opened or read, or memory runs out. */
char *tu_slurp(const char *path, size_t *len);

/* Write LEN bytes from BUF to PATH, created or truncated. Returns 0, or -1
 * with errno set. */
int tu_write(const char *path, const void *buf, size_t len);

/* Run the command printed from FMT and its arguments with system() (so with
 * sh -c). Returns its exit status, 0..255, or -1 when it could not be run or
 * did not exit (killed by a signal). Prefer tu_sh("%s", cmd) for a command
 * built elsewhere. tu_vsh is the same with a va_list. */
int tu_sh(const char *fmt, ...) TU_PRINTF(1, 2);
int tu_vsh(const char *fmt, va_list ap) TU_PRINTF(1, 0);

/* tu_sh with the command's stdout in DIR/out and its stderr in DIR/err
 * (DIR quoted with single quotes, so it must not hold one). */
int tu_sh_into(const char *dir, const char *fmt, ...) TU_PRINTF(2, 3);

/* Scratch directories for a suite's fixtures. tu_scratch_open makes a base
 * directory named PREFIX... (as tu_mkdtemp); call it from an unchecked
 * fixture, which runs in Check's parent process, so that even a failed test
 * leaves nothing behind once tu_scratch_close removes it. tu_scratch_enter
 * makes a fresh subdirectory of the base for one test (a checked fixture),
 * tu_scratch_dir names it, tu_scratch_path gives the path of NAME in it (the
 * string belongs to testutil until tu_scratch_leave, which removes the
 * subdirectory). Each returns 0 / a path, or -1 / NULL with errno set. */
int tu_scratch_open(const char *prefix);
void tu_scratch_close(void);
int tu_scratch_enter(void);
void tu_scratch_leave(void);
const char *tu_scratch_dir(void);
const char *tu_scratch_path(const char *name);

/* The largest |v[k]| of n floats (0 for n = 0): a gradient check asserts it
 * is not 0. */
double tu_max_abs_float(const float *v, size_t n);

#endif
