/* atomic.h: files that appear whole or not at all.
 *
 * A file is written under a temporary name next to it (PATH.tmp.<pid>,
 * created exclusively; a stale one from an earlier process with the same pid
 * is replaced), then flushed, fsynced, closed and renamed over PATH, and the
 * folder is fsynced so that the rename itself survives a crash. On any
 * failure the temporary is removed and PATH keeps what it held. Model files,
 * checkpoints, exported weights, galleries and logs all go through here. */
#ifndef CONSTNET_ATOMIC_H
#define CONSTNET_ATOMIC_H

#include <stddef.h>
#include <stdio.h>

typedef struct {
    const char *path; /* the final name */
    char *tmp;        /* the temporary name, while the file is being written */
    FILE *fp;         /* open for writing between atomic_open and atomic_close */
} atomic_file;

/* Create the temporary for path; f->fp is ready for writing. */
int atomic_open(atomic_file *f, const char *path, char *err, size_t errlen);

/* Flush, fsync and close. write_ok = 0 says a write failed earlier (its errno
 * is reported). On failure the temporary is removed. */
int atomic_close(atomic_file *f, int write_ok, char *err, size_t errlen);

/* Rename the closed temporary over path and fsync the folder. */
int atomic_rename(atomic_file *f, char *err, size_t errlen);

/* atomic_close, then atomic_rename. */
int atomic_commit(atomic_file *f, int write_ok, char *err, size_t errlen);

/* Give up: close and remove the temporary, if any. Safe to call twice. */
void atomic_abandon(atomic_file *f);

#endif
