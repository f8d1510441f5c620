/* err.c: one-line error messages for library code (see err.h). */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int err_set(char *err, size_t errlen, const char *where, const char *fmt, ...)
{
    if (err == NULL || errlen == 0)
        return -1;
    /* a very long WHERE (a path, a flag from the command line) is cut, so that
     * ": error: " and the problem always fit */
    if (where == NULL)
        where = "constnet";
    const size_t wlen = strlen(where);
    int n = wlen > ERR_WHERE_MAX ? snprintf(err, errlen, "%.*s...: error: ", (int)ERR_WHERE_MAX, where)
                                 : snprintf(err, errlen, "%s: error: ", where);
    if (n < 0)
        n = 0;
    if ((size_t)n < errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
        va_end(ap);
    }
    /* one line, whatever the input held */
    for (char *p = err; *p; ++p)
        if ((unsigned char)*p < ' ' || *p == 127)
            *p = '?';
    return -1;
}
