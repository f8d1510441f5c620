/* imgdir.h: a folder of images, one subfolder per class, as a data set (data.h).
 *
 *   DIR/<class>/<image>.png or .pgm
 *
 * Classes are the subfolders in byte order of their names, each image in
 * byte order of its file name; files and folders whose names start with '.'
 * are ignored, any other file that is not .png or .pgm (in any case) is an
 * error. Each image is read with image_load_gray (image.h), converted to
 * gray and resampled to w x h, values in [0, 1]: exactly what `predict` does
 * with an image file. A folder that holds DIR/train and DIR/test is read as
 * a training and a test set by the caller (imgdir_has_split).
 *
 * Errors name the folder or file: "DIR/cat/x.png: error: ...". */
#ifndef CONSTNET_IMGDIR_H
#define CONSTNET_IMGDIR_H

#include <stddef.h>

#include "data.h"

/* Most images read from one folder tree. */
enum { IMGDIR_MAX_IMAGES = 1 << 24 };

/* Read dir into out: rows of w*h floats, labels from the class folders.
 * New class names are added to classes (up to max_classes) when add is 1;
 * when add is 0 every folder must name a class already in classes (a test
 * folder, or the classes a model was trained on). */
int imgdir_load(data_set *out, const char *dir, data_classes *classes, unsigned max_classes, int add, unsigned w,
                unsigned h, char *err, size_t errlen);

/* 1 when dir holds both a train and a test subfolder. */
int imgdir_has_split(const char *dir);

#endif
