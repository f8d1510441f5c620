/* imgdir.c: folders of images as data sets (see imgdir.h). */
#define _POSIX_C_SOURCE 200809L
#include "imgdir.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "err.h"
#include "image.h"

typedef struct {
    size_t n, cap;
    char **name;
} imgdir_list;

static void imgdir_list_free(imgdir_list *l)
{
    for (size_t k = 0; k < l->n; ++k)
        free(l->name[k]);
    free(l->name);
    memset(l, 0, sizeof *l);
}

static int imgdir_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *imgdir_join(const char *a, const char *b)
{
    const size_t len = strlen(a) + strlen(b) + 2;
    char *p = malloc(len);
    if (p)
        snprintf(p, len, "%s/%s", a, b);
    return p;
}

static int imgdir_is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The entries of dir that are folders (want_dirs) or not, sorted, hidden ones left out. */
static int imgdir_scan(const char *dir, int want_dirs, imgdir_list *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    DIR *d = opendir(dir);
    if (d == NULL)
        return err_set(err, errlen, dir, "cannot open folder: %s", strerror(errno));
    struct dirent *e;
    int rc = 0;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char *path = imgdir_join(dir, e->d_name);
        if (path == NULL) {
            rc = err_set(err, errlen, dir, "out of memory");
            break;
        }
        const int is_dir = imgdir_is_dir(path);
        free(path);
        if (is_dir != want_dirs)
            continue;
        if (out->n == out->cap) {
            const size_t cap = out->cap ? 2 * out->cap : 16;
            char **more = realloc(out->name, cap * sizeof *more);
            if (more == NULL) {
                rc = err_set(err, errlen, dir, "out of memory");
                break;
            }
            out->name = more;
            out->cap = cap;
        }
        const size_t len = strlen(e->d_name) + 1;
        if ((out->name[out->n] = malloc(len)) == NULL) {
            rc = err_set(err, errlen, dir, "out of memory");
            break;
        }
        memcpy(out->name[out->n++], e->d_name, len);
        if (out->n > IMGDIR_MAX_IMAGES)
            rc = err_set(err, errlen, dir, "more than %d entries", IMGDIR_MAX_IMAGES);
    }
    closedir(d);
    if (rc != 0)
        imgdir_list_free(out);
    else if (out->n > 1)
        qsort(out->name, out->n, sizeof *out->name, imgdir_cmp);
    return rc;
}

static int imgdir_is_image(const char *name)
{
    const size_t n = strlen(name);
    return n > 4 && (strcasecmp(name + n - 4, ".png") == 0 || strcasecmp(name + n - 4, ".pgm") == 0);
}

int imgdir_has_split(const char *dir)
{
    char *a = imgdir_join(dir, "train"), *b = imgdir_join(dir, "test");
    const int yes = a && b && imgdir_is_dir(a) && imgdir_is_dir(b);
    free(a);
    free(b);
    return yes;
}

int imgdir_load(data_set *out, const char *dir, data_classes *classes, unsigned max_classes, int add, unsigned w,
                unsigned h, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (w == 0 || h == 0 || w > IMAGE_MAX_SIDE || h > IMAGE_MAX_SIDE)
        return err_set(err, errlen, dir, "images of %u x %u pixels cannot be read", w, h);
    imgdir_list cls;
    if (imgdir_scan(dir, 1, &cls, err, errlen) != 0)
        return -1;
    if (cls.n == 0) {
        imgdir_list_free(&cls);
        return err_set(err, errlen, dir, "no class folders: expected %s/<class>/<image>.png", dir);
    }
    imgdir_list *files = calloc(cls.n, sizeof *files);
    uint8_t *label = calloc(cls.n, 1);
    int rc = 0;
    size_t total = 0;
    if (files == NULL || label == NULL)
        rc = err_set(err, errlen, dir, "out of memory");
    for (size_t c = 0; rc == 0 && c < cls.n; ++c) {
        char *sub = imgdir_join(dir, cls.name[c]);
        if (sub == NULL) {
            rc = err_set(err, errlen, dir, "out of memory");
            break;
        }
        const size_t len = strlen(cls.name[c]);
        int bad_name = len > DATA_NAME_MAX;
        for (size_t i = 0; i < len; ++i)
            bad_name |= (unsigned char)cls.name[c][i] < 0x20 || cls.name[c][i] == 0x7f;
        int k = -1;
        for (unsigned j = 0; j < classes->n; ++j)
            if (strcmp(classes->name[j], cls.name[c]) == 0)
                k = (int)j;
        if (bad_name)
            rc = err_set(err, errlen, sub, "a class name has at most %d bytes and no control characters",
                         DATA_NAME_MAX);
        else if (k < 0 && !add)
            rc = err_set(err, errlen, sub, "'%s' is not one of the %u classes trained on", cls.name[c], classes->n);
        else if (k < 0 && (k = data_classes_find(classes, cls.name[c], max_classes)) < 0)
            rc = err_set(err, errlen, sub, "class '%s' would be class %u, but the network has %u outputs",
                         cls.name[c], classes->n, max_classes);
        else if (imgdir_scan(sub, 0, &files[c], err, errlen) != 0)
            rc = -1;
        else if (files[c].n == 0)
            rc = err_set(err, errlen, sub, "no images in the folder of class '%s'", cls.name[c]);
        for (size_t i = 0; rc == 0 && i < files[c].n; ++i)
            if (!imgdir_is_image(files[c].name[i])) {
                char *path = imgdir_join(sub, files[c].name[i]);
                rc = err_set(err, errlen, path ? path : sub, "not a .png or .pgm file");
                free(path);
            }
        label[c] = (uint8_t)(k < 0 ? 0 : k);
        total += files[c].n;
        free(sub);
    }
    const size_t dim = (size_t)w * h;
    if (rc == 0 && total > IMGDIR_MAX_IMAGES)
        rc = err_set(err, errlen, dir, "%zu images, more than %d", total, IMGDIR_MAX_IMAGES);
    if (rc == 0) {
        out->n = total;
        out->dim = dim;
        out->x = malloc(total * dim * sizeof *out->x);
        out->y = malloc(total);
        if (out->x == NULL || out->y == NULL)
            rc = err_set(err, errlen, dir, "out of memory");
    }
    size_t r = 0;
    for (size_t c = 0; rc == 0 && c < cls.n; ++c) {
        for (size_t i = 0; rc == 0 && i < files[c].n; ++i, ++r) {
            char *sub = imgdir_join(dir, cls.name[c]);
            char *path = sub ? imgdir_join(sub, files[c].name[i]) : NULL;
            if (path == NULL)
                rc = err_set(err, errlen, dir, "out of memory");
            else
                rc = image_load_gray(path, w, h, out->x + r * dim, err, errlen);
            out->y[r] = label[c];
            free(sub);
            free(path);
        }
    }
    for (size_t c = 0; files && c < cls.n; ++c)
        imgdir_list_free(&files[c]);
    free(files);
    free(label);
    imgdir_list_free(&cls);
    if (rc != 0)
        data_set_free(out);
    return rc;
}
