/* augment.c - random crop, random horizontal flip and per-channel
 * normalisation of (B, C, H, W) batches, in place.
 *
 * The crop needs no scratch buffer: it shifts each plane by (dy, dx) =
 * (i - pad, j - pad) row by row, walking the rows in the direction that
 * reads every source row before it is overwritten (down when the source is
 * below, up when it is above; memmove covers the same-row case).
 */
#include <string.h>

#include "augment.h"

#define GOLDEN 0x9e3779b97f4a7c15ull

/* splitmix64's finaliser: a bijective mix of the 64 bits. */
static uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

void iddl_augment_rng(iddl_rng *r, uint64_t seed, uint64_t epoch,
                      uint64_t batch, uint64_t salt) {
  uint64_t k = mix64(seed + GOLDEN);
  k = mix64(k ^ (epoch + 2 * GOLDEN));
  k = mix64(k ^ (batch + 3 * GOLDEN));
  k = mix64(k ^ (salt + 4 * GOLDEN));
  iddl_rng_seed(r, k);
}

/* Checks that x is a contiguous (B, C, H, W) batch; `what` names the
 * transform in the message. */
static int check_batch(const iddl_tensor *x, const char *what,
                       iddl_err *err) {
  char buf[128];
  if (x->ndim != 4)
    return iddl_fail(err, "%s: expected a batch of images (B, C, H, W), got "
                     "shape %s", what, iddl_shape_str(x, buf, sizeof buf));
  if (!iddl_is_contiguous(x))
    return iddl_fail(err, "%s: the batch (shape %s) must be contiguous", what,
                     iddl_shape_str(x, buf, sizeof buf));
  return 0;
}

/* Shifts one H x W plane in place: p[y][x] = p[y + dy][x + dx], 0 where the
 * source is outside the plane. */
static void shift_plane(float *p, int64_t H, int64_t W, int64_t dy,
                        int64_t dx) {
  /* Destination columns x0 .. x1-1 have their source inside the row. */
  int64_t x0 = dx < 0 ? -dx : 0, x1 = dx > 0 ? W - dx : W;
  if (x0 > W) x0 = W;
  if (x1 < x0) x1 = x0;
  int64_t step = dy > 0 ? 1 : -1, y = dy > 0 ? 0 : H - 1;
  for (int64_t k = 0; k < H; k++, y += step) {
    float *dst = p + y * W;
    int64_t sy = y + dy;
    if (sy < 0 || sy >= H) {
      memset(dst, 0, (size_t)W * sizeof *dst);
      continue;
    }
    if (x1 > x0)
      memmove(dst + x0, p + sy * W + x0 + dx, (size_t)(x1 - x0) * sizeof *dst);
    memset(dst, 0, (size_t)x0 * sizeof *dst);
    memset(dst + x1, 0, (size_t)(W - x1) * sizeof *dst);
  }
}

int iddl_random_crop(iddl_tensor *x, int pad, iddl_rng *r, float *offsets,
                     iddl_err *err) {
  if (check_batch(x, "random_crop", err)) return -1;
  if (pad < 0)
    return iddl_fail(err, "random_crop: padding must be >= 0, got %d", pad);
  int64_t B = x->size[0], C = x->size[1], H = x->size[2], W = x->size[3];
  float *data = iddl_data(x); /* (B, C, H, W) */
  for (int64_t b = 0; b < B; b++) {
    int64_t i = (int64_t)iddl_rng_below(r, 2 * (uint64_t)pad + 1);
    int64_t j = (int64_t)iddl_rng_below(r, 2 * (uint64_t)pad + 1);
    if (offsets) {
      offsets[2 * b] = (float)i;
      offsets[2 * b + 1] = (float)j;
    }
    if (i == pad && j == pad) continue;
    for (int64_t c = 0; c < C; c++)
      shift_plane(data + (b * C + c) * H * W, H, W, i - pad, j - pad);
  }
  return 0;
}

/* Mirrors the n rows of w floats at p. */
__attribute__((target_clones("avx512f", "avx2", "default")))
static void mirror_rows(float *p, int64_t n, int64_t w) {
  for (int64_t r = 0; r < n; r++, p += w)
    for (int64_t a = 0, z = w - 1; a < z; a++, z--) {
      float t = p[a];
      p[a] = p[z];
      p[z] = t;
    }
}

int iddl_random_hflip(iddl_tensor *x, double p, iddl_rng *r, float *flipped,
                      iddl_err *err) {
  if (check_batch(x, "random_hflip", err)) return -1;
  if (!(p >= 0.0 && p <= 1.0))
    return iddl_fail(err, "random_hflip: probability must be in [0, 1], "
                     "got %g", p);
  int64_t B = x->size[0], rows = x->size[1] * x->size[2], W = x->size[3];
  float *data = iddl_data(x); /* (B, C, H, W) */
  for (int64_t b = 0; b < B; b++) {
    int flip = iddl_rng_uniform(r) < p;
    if (flipped) flipped[b] = (float)flip;
    if (flip) mirror_rows(data + b * rows * W, rows, W);
  }
  return 0;
}

/* p[k] = (p[k] / max - mean) / std for the n floats at p. */
__attribute__((target_clones("avx512f", "avx2", "default")))
static void normalize_plane(float *p, int64_t n, float max, float mean,
                            float std) {
  for (int64_t k = 0; k < n; k++) p[k] = (p[k] / max - mean) / std;
}

int iddl_normalize_channels(iddl_tensor *x, const float *mean,
                            const float *std, float max, iddl_err *err) {
  if (check_batch(x, "normalize_channels", err)) return -1;
  if (max == 0.0f)
    return iddl_fail(err, "normalize_channels: max must not be 0");
  int64_t B = x->size[0], C = x->size[1], n = x->size[2] * x->size[3];
  for (int64_t c = 0; c < C; c++)
    if (std[c] == 0.0f)
      return iddl_fail(err, "normalize_channels: std of channel %lld is 0",
                       (long long)c + 1);
  float *data = iddl_data(x); /* (B, C, H*W) */
  for (int64_t b = 0; b < B; b++)
    for (int64_t c = 0; c < C; c++)
      normalize_plane(data + (b * C + c) * n, n, max, mean[c], std[c]);
  return 0;
}
