/* atomic.h: files that appear whole or not at all.
 *
 * A file is written under a temporary name next to it (PATH.tmp.<pid>,
 * created exclusively; a stale one from an earlier process with the same pid
 * is replaced), then flushed, fsynced, closed and renamed over PATH, and the
 * folder is fsynced so that the rename itself survives a crash. On any
 * failure the temporary is removed and PATH keeps what it held. Model files,
 * checkpoints, exported weights, galleries and logs all go through here.
 *
 * A PATH that exists and is a FIFO or a character device (/dev/null, a
 * terminal) is written through, never renamed over: whole-or-nothing does not
 * apply to it; a FIFO with no reader after ATOMIC_FIFO_WAIT_MS is an error,
 * not a hang. Any other PATH that is not a regular file (a folder, a socket,
 * a block device) is refused. Temporaries left by a process that was killed
 * (PATH.tmp.<pid> of a pid that no longer runs) are removed by the next
 * atomic_open of PATH. */
#ifndef CONSTNET_ATOMIC_H
#define CONSTNET_ATOMIC_H

#include <stddef.h>
#include <stdio.h>

enum { ATOMIC_FIFO_WAIT_MS = 2000 };

typedef struct {
    const char *path; /* the final name */
    char *tmp;        /* the temporary name, while the file is being written */
    FILE *fp;         /* open for writing between atomic_open and atomic_close */
    int through;      /* path is a FIFO or a device: written in place */
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

/* Check before long work that path can be written later: a regular file (or
 * a new one) in a folder that exists and takes a new file, or a FIFO or a
 * character device. Nothing is left behind. what names the flag, e.g. "--save". */
int atomic_check_writable(const char *path, const char *what, char *err, size_t errlen);

/* Open path for reading only if it is a regular file: the check comes before
 * anything that could block (a FIFO is opened without waiting for a writer),
 * and folders, FIFOs and devices are refused by name. On success *size holds
 * its size in bytes (if size is not NULL). */
FILE *atomic_fopen_regular(const char *path, long long *size, char *err, size_t errlen);

#endif
