/* err.h: how runtime library code reports failure.
 *
 * Library functions never exit. They return 0 on success and -1 on failure,
 * and on failure they fill a caller-provided buffer with one line of text that
 * names the file (or flag) and the problem, in the form
 *     PATH: error: PROBLEM
 * Only main() decides to stop. */
#ifndef CONSTNET_ERR_H
#define CONSTNET_ERR_H

#include <stddef.h>

enum { ERR_MAX = 512 };

/* Longest WHERE kept in a message; longer ones are cut and end in "...". */
#define ERR_WHERE_MAX ((size_t)200)

/* Write "WHERE: error: <fmt...>" into err (if err is not NULL) and return -1.
 * Control characters (a newline inside a file name, say) become '?', so the
 * message is always one line. */
int err_set(char *err, size_t errlen, const char *where, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

#endif
