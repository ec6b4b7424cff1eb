/* augment.h - image-batch augmentation, in place and seeded: the CIFAR-10
 * training transforms of torchvision (RandomCrop with zero padding,
 * RandomHorizontalFlip, ToTensor + Normalize) on float batches.
 *
 * A batch x is a contiguous (B, C, H, W) tensor. The random transforms
 * draw, for sample 0, 1, ..., B-1 in order, from the generator they are
 * given; iddl_augment_rng makes one from a (seed, epoch, batch, salt) key,
 * so that a loader replays the same augmentation for the same epoch
 * without touching any shared generator.
 */
#ifndef IDDL_AUGMENT_H
#define IDDL_AUGMENT_H

#include <stdint.h>

#include "rng.h"
#include "tensor.h"

/* Seeds *r from the key (seed, epoch, batch, salt): a function of all four,
 * so each batch of each epoch, and each transform (its salt), gets its own
 * stream. */
void iddl_augment_rng(iddl_rng *r, uint64_t seed, uint64_t epoch,
                      uint64_t batch, uint64_t salt);

/* Random crop with zero padding, in place: per sample, draws the top then
 * the left offset i, j uniformly in 0..2*pad and replaces the sample by the
 * H x W window at (i, j) of the sample zero-padded by pad on every side:
 * x[c][y][x] = old[c][y + i - pad][x + j - pad], 0 where that is outside.
 * This is torchvision's RandomCrop((H, W), padding=pad) (fill 0).
 * offsets, when not NULL, receives the draws (B, 2): i, j per sample.
 * Fails if x is not a contiguous 4-D tensor or pad < 0. */
int iddl_random_crop(iddl_tensor *x, int pad, iddl_rng *r, float *offsets,
                     iddl_err *err);

/* Random horizontal flip, in place: per sample, draws u uniform in [0, 1)
 * and, if u < p, mirrors every row (x[c][y][w] <-> x[c][y][W-1-w]).
 * flipped, when not NULL, receives (B) 1 for a flipped sample, else 0.
 * Fails if x is not a contiguous 4-D tensor or p is not in [0, 1]. */
int iddl_random_hflip(iddl_tensor *x, double p, iddl_rng *r, float *flipped,
                      iddl_err *err);

/* Per-channel normalisation, in place: x[b][c] = (x[b][c] / max - mean[c])
 * / std[c], in float32 and in that order, so the result is bit-identical to
 * torchvision's ToTensor (div by 255) then Normalize(mean, std) (sub, div)
 * when max is 255. mean and std hold C values (x's dimension 1). Fails if x
 * is not a contiguous 4-D tensor, max is 0, or a std is 0. */
int iddl_normalize_channels(iddl_tensor *x, const float *mean,
                            const float *std, float max, iddl_err *err);

#endif
