/* cifar.h - CIFAR-10 binary format (the .bin files of cifar-10-batches-bin).
 *
 * Format (https://www.cs.toronto.edu/~kriz/cifar.html): a file is a
 * sequence of 3073-byte records, nothing else: 1 label byte 0..9, then 3072
 * pixel bytes, the 1024 red, then the 1024 green, then the 1024 blue values
 * of a 32x32 image, each plane row-major. The official files
 * (data_batch_1.bin .. data_batch_5.bin, test_batch.bin) hold 10000
 * records each (30730000 bytes).
 */
#ifndef IDDL_CIFAR_H
#define IDDL_CIFAR_H

#include "tensor.h"

#define IDDL_CIFAR_SIDE 32
#define IDDL_CIFAR_PIXELS (3 * IDDL_CIFAR_SIDE * IDDL_CIFAR_SIDE)
#define IDDL_CIFAR_RECORD (1 + IDDL_CIFAR_PIXELS) /* bytes */
#define IDDL_CIFAR_CLASSES 10

/* Reads every record of the nfiles files paths[0..nfiles-1], in that order
 * (the training set is data_batch_1 .. 5), into new contiguous tensors:
 * *images (N, 3, 32, 32) with the raw pixel values 0..255 and *labels (N)
 * with the raw label bytes 0..9, N the total record count. Both must be
 * cleared; the caller releases them. Every file is opened and its size
 * checked before anything is read. On failure both are left cleared,
 * nothing leaks, and the message names the file:
 *   "path: cannot open: No such file or directory"
 *   "path: size 61480 bytes is not a multiple of the 3073-byte record ..."
 *   "path: empty (0 bytes) ..."
 *   "path: byte 6146: record 3 of 20 has label 12, expected 0..9"
 * (records count from 1; the byte is the label's offset in the file). */
int iddl_cifar_load(iddl_tensor *images, iddl_tensor *labels, int nfiles,
                    const char *const *paths, iddl_err *err);

#endif
