/* atomic.c: whole-or-nothing files (see atomic.h). */
#define _POSIX_C_SOURCE 200809L
#include "atomic.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"

int atomic_open(atomic_file *f, const char *path, char *err, size_t errlen)
{
    f->path = path;
    f->fp = NULL;
    const size_t len = strlen(path) + 32;
    f->tmp = malloc(len);
    if (f->tmp == NULL)
        return err_set(err, errlen, path, "out of memory");
    snprintf(f->tmp, len, "%s.tmp.%ld", path, (long)getpid());
    int fd = open(f->tmp, O_WRONLY | O_CREAT | O_EXCL, 0666);
    if (fd < 0 && errno == EEXIST && unlink(f->tmp) == 0)
        fd = open(f->tmp, O_WRONLY | O_CREAT | O_EXCL, 0666);
    if (fd >= 0) {
        f->fp = fdopen(fd, "wb");
        if (f->fp == NULL) {
            const int e = errno;
            close(fd);
            unlink(f->tmp);
            errno = e;
        }
    }
    if (f->fp == NULL) {
        err_set(err, errlen, path, "cannot create %s: %s", f->tmp, strerror(errno));
        free(f->tmp);
        f->tmp = NULL;
        return -1;
    }
    return 0;
}

int atomic_close(atomic_file *f, int write_ok, char *err, size_t errlen)
{
    const char *step = NULL;
    int e = 0;
    if (!write_ok || ferror(f->fp))
        step = "write", e = errno ? errno : EIO;
    else if (fflush(f->fp) != 0)
        step = "flush", e = errno;
    else if (fsync(fileno(f->fp)) != 0)
        step = "fsync", e = errno;
    if (fclose(f->fp) != 0 && step == NULL)
        step = "close", e = errno;
    f->fp = NULL;
    if (step == NULL)
        return 0;
    err_set(err, errlen, f->path, "cannot %s %s: %s", step, f->tmp, strerror(e));
    atomic_abandon(f);
    return -1;
}

/* Best effort: the file is whole either way, and some file systems refuse. */
static void atomic_sync_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    char dir[4096];
    if (slash == NULL)
        snprintf(dir, sizeof dir, ".");
    else if (slash == path)
        snprintf(dir, sizeof dir, "/");
    else
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    const int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
}

int atomic_rename(atomic_file *f, char *err, size_t errlen)
{
    if (rename(f->tmp, f->path) != 0) {
        err_set(err, errlen, f->path, "cannot rename %s over it: %s", f->tmp, strerror(errno));
        atomic_abandon(f);
        return -1;
    }
    free(f->tmp);
    f->tmp = NULL;
    atomic_sync_dir(f->path);
    return 0;
}

int atomic_commit(atomic_file *f, int write_ok, char *err, size_t errlen)
{
    if (atomic_close(f, write_ok, err, errlen) != 0)
        return -1;
    return atomic_rename(f, err, errlen);
}

void atomic_abandon(atomic_file *f)
{
    if (f->fp != NULL)
        fclose(f->fp);
    if (f->tmp != NULL)
        unlink(f->tmp);
    free(f->tmp);
    f->fp = NULL;
    f->tmp = NULL;
}
