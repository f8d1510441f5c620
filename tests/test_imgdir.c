/* test_imgdir.c: Check suite for runtime/imgdir.c, folders of images with
 * one subfolder per class. "core": classes and files in name order, hidden
 * entries ignored, pixels exactly as image_load_gray gives them (resampled
 * to the network's size), a test folder that must use the training classes;
 * "limits": every bad folder by its exact message. */
#define _POSIX_C_SOURCE 200809L
#include "data.h"
#include "err.h"
#include "image.h"
#include "imgdir.h"
#include "testutil.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char err[ERR_MAX];
static char root[256];
static data_classes names;
static data_set d;

static void setup(void)
{
    ck_assert_int_eq(tu_mkdtemp(root, sizeof root, "constnet-imgdir-"), 0);
    memset(&names, 0, sizeof names);
    memset(&d, 0, sizeof d);
}

static void teardown(void)
{
    data_set_free(&d);
    data_classes_free(&names);
    ck_assert_int_eq(tu_rmtree(root), 0);
}

/* ROOT/REL as a path, in a ring of buffers. */
static const char *at(const char *rel)
{
    static char ring[8][512];
    static int next;
    char *p = ring[next++ % 8];
    snprintf(p, 512, "%s/%s", root, rel);
    return p;
}

static void mkdirs(const char *rel)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    for (char *q = path + strlen(root) + 1; *q; ++q)
        if (*q == '/') {
            *q = '\0';
            mkdir(path, 0755);
            *q = '/';
        }
    mkdir(path, 0755);
}

/* A w x h binary PGM whose pixel i is (seed + 17 i) % 256. */
static void pgm(const char *rel, unsigned w, unsigned h, unsigned seed)
{
    char head[64];
    const int n = snprintf(head, sizeof head, "P5\n%u %u\n255\n", w, h);
    unsigned char *buf = malloc((size_t)n + w * h);
    ck_assert_ptr_nonnull(buf);
    memcpy(buf, head, (size_t)n);
    for (unsigned i = 0; i < w * h; ++i)
        buf[n + i] = (unsigned char)((seed + 17 * i) % 256);
    ck_assert_int_eq(tu_write(at(rel), buf, (size_t)n + w * h), 0);
    free(buf);
}

/* cat: two images, dog: one, plus entries that must be ignored */
static void pets(void)
{
    mkdirs("pets/dog");
    mkdirs("pets/cat");
    mkdirs("pets/.cache");
    pgm("pets/dog/a.pgm", 4, 4, 3);
    pgm("pets/cat/b.PGM", 4, 4, 1);
    pgm("pets/cat/a.pgm", 8, 8, 2); /* resampled to 4 x 4 */
    ck_assert_int_eq(tu_write(at("pets/cat/.DS_Store"), "x", 1), 0);
    ck_assert_int_eq(tu_write(at("pets/notes.txt"), "x", 1), 0); /* a file beside the class folders */
}

START_TEST(test_classes_and_pixels)
{
    pets();
    ck_assert_msg(imgdir_load(&d, at("pets"), &names, 10, 1, 4, 4, err, sizeof err) == 0, "%s", err);
    ck_assert_uint_eq(d.n, 3);
    ck_assert_uint_eq(d.dim, 16);
    ck_assert_uint_eq(names.n, 2);
    ck_assert_str_eq(names.name[0], "cat");
    ck_assert_str_eq(names.name[1], "dog");
    ck_assert(d.y[0] == 0 && d.y[1] == 0 && d.y[2] == 1);
    /* rows in file-name order, each exactly what image_load_gray (predict) reads */
    float want[16];
    const char *order[3] = {"pets/cat/a.pgm", "pets/cat/b.PGM", "pets/dog/a.pgm"};
    for (int r = 0; r < 3; ++r) {
        ck_assert_int_eq(image_load_gray(at(order[r]), 4, 4, want, err, sizeof err), 0);
        ck_assert_mem_eq(d.x + r * 16, want, sizeof want);
    }
    ck_assert_float_eq(d.x[16], 1.0f / 255.0f); /* cat/b.PGM pixel 0 */
}
END_TEST

START_TEST(test_train_and_test_folders)
{
    mkdirs("set/train/0");
    mkdirs("set/train/1");
    mkdirs("set/test/1");
    pgm("set/train/0/x.pgm", 2, 2, 0);
    pgm("set/train/1/x.pgm", 2, 2, 9);
    pgm("set/test/1/y.pgm", 2, 2, 9);
    ck_assert(imgdir_has_split(at("set")));
    ck_assert(!imgdir_has_split(at("set/train")));
    ck_assert_msg(imgdir_load(&d, at("set/train"), &names, 2, 1, 2, 2, err, sizeof err) == 0, "%s", err);
    data_set_free(&d);
    /* the test folder uses the training classes: its only class is "1", label 1 */
    ck_assert_msg(imgdir_load(&d, at("set/test"), &names, 2, 0, 2, 2, err, sizeof err) == 0, "%s", err);
    ck_assert_uint_eq(d.n, 1);
    ck_assert_uint_eq(d.y[0], 1);
    data_set_free(&d);
    mkdirs("set/test/2");
    pgm("set/test/2/z.pgm", 2, 2, 0);
    ck_assert_int_eq(imgdir_load(&d, at("set/test"), &names, 2, 0, 2, 2, err, sizeof err), -1);
    char want[600];
    snprintf(want, sizeof want, "%s: error: '2' is not one of the 2 classes trained on", at("set/test/2"));
    ck_assert_str_eq(err, want);
    ck_assert_ptr_null(d.x);
}
END_TEST

/* dir must be refused with "WHERE: error: PROBLEM" exactly. */
static void refused(const char *dir, unsigned max, const char *where, const char *problem)
{
    ck_assert_int_eq(imgdir_load(&d, at(dir), &names, max, 1, 4, 4, err, sizeof err), -1);
    char want[1200];
    snprintf(want, sizeof want, "%s: error: %s", at(where), problem);
    ck_assert_str_eq(err, want);
    ck_assert(d.n == 0 && d.x == NULL && d.y == NULL);
}

START_TEST(test_bad_folders)
{
    char problem[600];
    mkdirs("empty");
    snprintf(problem, sizeof problem, "no class folders: expected %s/<class>/<image>.png", at("empty"));
    refused("empty", 10, "empty", problem);
    ck_assert_int_eq(imgdir_load(&d, at("missing"), &names, 10, 1, 4, 4, err, sizeof err), -1);
    snprintf(problem, sizeof problem, "%s: error: cannot open folder: No such file or directory", at("missing"));
    ck_assert_str_eq(err, problem);

    mkdirs("noimg/cat");
    refused("noimg", 10, "noimg/cat", "no images in the folder of class 'cat'");

    mkdirs("other/cat");
    pgm("other/cat/a.pgm", 4, 4, 0);
    ck_assert_int_eq(tu_write(at("other/cat/readme.txt"), "hi", 2), 0);
    refused("other", 10, "other/cat/readme.txt", "not a .png or .pgm file");

    pets();
    refused("pets", 1, "pets/dog", "class 'dog' would be class 1, but the network has 1 outputs");
    data_classes_free(&names);

    /* a broken image is named by its path, with image.c's message */
    mkdirs("broken/cat");
    ck_assert_int_eq(tu_write(at("broken/cat/a.pgm"), "P5\n4 4\n255\nab", 14), 0);
    ck_assert_int_eq(imgdir_load(&d, at("broken"), &names, 10, 1, 4, 4, err, sizeof err), -1);
    ck_assert_msg(strncmp(err, at("broken/cat/a.pgm"), strlen(at("broken/cat/a.pgm"))) == 0, "%s", err);
    ck_assert_ptr_null(d.x);
}
END_TEST

static Suite *imgdir_suite(void)
{
    Suite *s = suite_create("imgdir");
    TCase *core = tcase_create("core");
    tcase_add_checked_fixture(core, setup, teardown);
    tcase_add_test(core, test_classes_and_pixels);
    tcase_add_test(core, test_train_and_test_folders);
    suite_add_tcase(s, core);
    TCase *limits = tcase_create("limits");
    tcase_add_checked_fixture(limits, setup, teardown);
    tcase_add_test(limits, test_bad_folders);
    suite_add_tcase(s, limits);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(imgdir_suite());
    srunner_run_all(sr, CK_NORMAL);
    const int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
