/* scratch.h: a private scratch directory for fuzz targets that go through
 * files (idx_load, model_load, model_save). It lives in $TMPDIR if set, else
 * in /dev/shm when writable (tmpfs: file I/O per input stays cheap), else in
 * /tmp, and is removed at exit with the files the target registered. */
#ifndef CONSTNET_FUZZ_SCRATCH_H
#define CONSTNET_FUZZ_SCRATCH_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { SCRATCH_FILES = 4, SCRATCH_PATH = 4200 };

static char scratch_root[4096];
static char scratch_files[SCRATCH_FILES][SCRATCH_PATH];
static int scratch_nfiles;

static void scratch_cleanup(void)
{
    for (int i = 0; i < scratch_nfiles; i++)
        unlink(scratch_files[i]);
    if (scratch_root[0] != '\0')
        rmdir(scratch_root);
}

/* Make the directory ("<base>/constnet-<tag>-XXXXXX"); 0 on success. */
static int scratch_init(const char *tag)
{
    const char *base = getenv("TMPDIR");
    if (base == NULL || base[0] == '\0')
        base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(scratch_root, sizeof scratch_root, "%s/constnet-%s-XXXXXX", base, tag);
    if (mkdtemp(scratch_root) == NULL) {
        perror("fuzz: mkdtemp");
        scratch_root[0] = '\0';
        return -1;
    }
    atexit(scratch_cleanup);
    return 0;
}

/* The path of NAME in the directory, registered for removal at exit. */
static const char *scratch_file(const char *name)
{
    if (scratch_root[0] == '\0' || scratch_nfiles == SCRATCH_FILES)
        return NULL;
    char *p = scratch_files[scratch_nfiles++];
    snprintf(p, SCRATCH_PATH, "%s/%s", scratch_root, name);
    return p;
}

static int scratch_write(const char *path, const uint8_t *p, size_t n)
{
    FILE *fp = fopen(path, "wb");
    if (fp == NULL)
        return -1;
    int ok = fwrite(p, 1, n, fp) == n;
    if (fclose(fp) != 0)
        ok = 0;
    return ok ? 0 : -1;
}

/* The invariant every target checks on a failure: a non-empty one-line
 * message "WHERE: error: PROBLEM"; die (the target's) is called otherwise. */
static void scratch_check_message(const char *err, void (*die)(const char *, const char *))
{
    if (err[0] == '\0')
        die("failure without a message", NULL);
    if (strchr(err, '\n') != NULL)
        die("message is more than one line", err);
    if (strstr(err, ": error: ") == NULL)
        die("message is not 'NAME: error: PROBLEM'", err);
}

#endif
