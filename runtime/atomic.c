/* atomic.c: whole-or-nothing files (see atomic.h). */
#define _POSIX_C_SOURCE 200809L
#include "atomic.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "err.h"

/* The folder of path, "." or "/" included, in dir[len]. */
static void atomic_dir_of(const char *path, char *dir, size_t len)
{
    const char *slash = strrchr(path, '/');
    if (slash == NULL)
        snprintf(dir, len, ".");
    else if (slash == path)
        snprintf(dir, len, "/");
    else
        snprintf(dir, len, "%.*s", (int)(slash - path), path);
}

/* Remove PATH.tmp.<pid> left by processes that no longer run (killed in the
 * middle of a save). Best effort: a folder that cannot be listed is skipped. */
static void atomic_remove_stale(const char *path)
{
    char dir[4096];
    atomic_dir_of(path, dir, sizeof dir);
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    const size_t blen = strlen(base);
    DIR *d = opendir(dir);
    if (d == NULL)
        return;
    const struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        const char *n = e->d_name;
        if (strncmp(n, base, blen) != 0 || strncmp(n + blen, ".tmp.", 5) != 0)
            continue;
        char *end = NULL;
        const char *digits = n + blen + 5;
        if (*digits < '1' || *digits > '9')
            continue;
        errno = 0;
        const long pid = strtol(digits, &end, 10);
        if (*end != '\0' || errno != 0 || pid <= 0 || pid == (long)getpid() || pid != (long)(pid_t)pid)
            continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue; /* that process still runs (or is not ours to ask about) */
        const size_t len = strlen(dir) + 1 + strlen(n) + 1;
        char *stale = malloc(len);
        if (stale == NULL)
            break;
        snprintf(stale, len, "%s/%s", dir, n);
        (void)unlink(stale);
        free(stale);
    }
    closedir(d);
}

/* path exists and is not a regular file: a FIFO or a character device is
 * opened for writing in place; anything else is refused. */
static int atomic_open_special(atomic_file *f, const char *path, const struct stat *st, char *err,
                               size_t errlen)
{
    if (S_ISDIR(st->st_mode))
        return err_set(err, errlen, path, "is a folder; give a file name");
    if (!S_ISFIFO(st->st_mode) && !S_ISCHR(st->st_mode))
        return err_set(err, errlen, path, "is not a regular file, a FIFO or a character device; "
                                          "refusing to replace it");
    /* O_NONBLOCK: a FIFO without a reader fails (after ATOMIC_FIFO_WAIT_MS
     * for one to come) instead of hanging */
    int fd = open(path, O_WRONLY | O_NONBLOCK | O_NOCTTY);
    for (int waited = 0; fd < 0 && errno == ENXIO && waited < ATOMIC_FIFO_WAIT_MS; waited += 10) {
        const struct timespec ts = {0, 10 * 1000000L};
        nanosleep(&ts, NULL);
        fd = open(path, O_WRONLY | O_NONBLOCK | O_NOCTTY);
    }
    if (fd < 0)
        return err_set(err, errlen, path, "cannot open for writing: %s",
                       errno == ENXIO ? "a FIFO with no reader" : strerror(errno));

    const int flags = fcntl(fd, F_GETFL);
    if (flags >= 0)
        (void)fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    f->fp = fdopen(fd, "wb");
    if (f->fp == NULL) {
        const int e = errno;
        close(fd);
        return err_set(err, errlen, path, "cannot open for writing: %s", strerror(e));
    }
    f->through = 1;
    return 0;
}

int atomic_open(atomic_file *f, const char *path, char *err, size_t errlen)
{
    f->path = path;
    f->fp = NULL;
    f->tmp = NULL;
    f->through = 0;
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
        return atomic_open_special(f, path, &st, err, errlen);
    atomic_remove_stale(path);
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
    else if (!f->through && fsync(fileno(f->fp)) != 0)
        step = "fsync", e = errno;
    if (fclose(f->fp) != 0 && step == NULL)
        step = "close", e = errno;
    f->fp = NULL;
    if (step == NULL)
        return 0;
    err_set(err, errlen, f->path, "cannot %s %s: %s", step, f->tmp ? f->tmp : f->path, strerror(e));
    atomic_abandon(f);
    return -1;
}

/* Best effort: the file is whole either way, and some file systems refuse. */
static void atomic_sync_dir(const char *path)
{
    char dir[4096];
    atomic_dir_of(path, dir, sizeof dir);
    const int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
}

int atomic_rename(atomic_file *f, char *err, size_t errlen)
{
    if (f->through)
        return 0; /* written in place */
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
    if (f->tmp != NULL && !f->through)
        unlink(f->tmp);
    free(f->tmp);
    f->fp = NULL;
    f->tmp = NULL;
}

int atomic_check_writable(const char *path, const char *what, char *err, size_t errlen)
{
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        if (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode))
            return 0;
        if (S_ISDIR(st.st_mode))
            return err_set(err, errlen, path, "%s: is a folder; give a file name", what);
        return err_set(err, errlen, path, "%s: is not a regular file, a FIFO or a character device", what);
    }
    char dir[4096];
    atomic_dir_of(path, dir, sizeof dir);
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return err_set(err, errlen, path, "%s: the folder %s does not exist", what, dir);
    atomic_file f;
    char why[ERR_MAX];
    if (atomic_open(&f, path, why, sizeof why) != 0) {
        const char *colon = strrchr(why, ':');
        return err_set(err, errlen, path, "%s: cannot write a file there:%s", what, colon ? colon + 1 : why);
    }
    atomic_abandon(&f);
    return 0;
}

FILE *atomic_fopen_regular(const char *path, long long *size, char *err, size_t errlen)
{
    /* O_NONBLOCK: opening a FIFO must not wait for a writer before the check */
    const int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) {
        err_set(err, errlen, path, "cannot open: %s", strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        err_set(err, errlen, path, "cannot stat: %s", strerror(errno));
        close(fd);
        return NULL;
    }
    if (!S_ISREG(st.st_mode)) {
        err_set(err, errlen, path, "not a regular file (%s)",
                S_ISDIR(st.st_mode) ? "a folder" : S_ISFIFO(st.st_mode) ? "a FIFO" : "a device or socket");
        close(fd);
        return NULL;
    }
    const int flags = fcntl(fd, F_GETFL);
    if (flags >= 0)
        (void)fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    FILE *fp = fdopen(fd, "rb");
    if (fp == NULL) {
        err_set(err, errlen, path, "cannot open: %s", strerror(errno));
        close(fd);
        return NULL;
    }
    if (size != NULL)
        *size = (long long)st.st_size;
    return fp;
}
