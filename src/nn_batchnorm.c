/* nn_batchnorm.c - batch normalisation, forward and backward.
 *
 * Channel c of x (N, C, S) is N runs of S contiguous floats, C * S apart.
 * Work goes by blocks of `w` adjacent channels, w * S >= BLOCK_FLOATS
 * (w = 1 for large planes, up to MAX_COLS for BatchNorm1d on (N, C)): for
 * each sample n the block is one contiguous stretch of memory, so memory is
 * read in long runs even when S is small, and a block's data stays in cache
 * between its passes (statistics, then the output). Sums are of values
 * shifted by a sample of their channel (forward) or by the mean (backward),
 * so a large mean costs no precision; they run in float lanes over chunks
 * of 512 values and in double across chunks (float arithmetic took the
 * BatchNorm2d(64) step on 128x64x32x32 from 9.9 to 9.0 ms). Blocks run in parallel
 * (parallel.h); the block functions are compiled for AVX-512, AVX2 and plain
 * x86-64 (target_clones) with their loops inlined.
 */
#include <math.h>
#include <string.h>

#include "nn_batchnorm.h"
#include "parallel.h"

#define TC __attribute__((target_clones("avx512f", "avx2", "default")))
#define INLINE static inline __attribute__((always_inline))
#define MAX_COLS 64      /* channels per block at most */
#define BLOCK_FLOATS 256 /* floats per sample and block at least */
#define MIN_WORK 32768   /* elements per thread worth starting it for */

/* Channels per block for planes of S floats. */
static int64_t block_cols(int64_t S) {
  int64_t w = (BLOCK_FLOATS + S - 1) / S;
  return w < MAX_COLS ? w : MAX_COLS;
}

/* --- loops over one sample's stretch of a block ---------------------------- */

/* 8 floats and 8 doubles (GCC vector extensions: the AVX-512 clone keeps a
 * vd8 in one register, the others split it). Only used inside inlined
 * helpers, so no vector crosses a function boundary. */
typedef float vf8 __attribute__((vector_size(32)));
typedef double vd8 __attribute__((vector_size(64)));

/* The sum of the lanes of *a. */
INLINE double hsum8(const vd8 *a) {
  vd8 v = *a;
  return ((v[0] + v[1]) + (v[2] + v[3])) + ((v[4] + v[5]) + (v[6] + v[7]));
}

/* 16 floats and 16 ints; CHUNK floats are summed in float lanes before a
 * double vector takes their sums (float partial sums of at most 16 terms
 * per lane, so the double totals lose nothing that matters, at the speed of
 * float arithmetic). */
typedef float vf16 __attribute__((vector_size(64)));
typedef int vi16 __attribute__((vector_size(64)));
#define CHUNK 512

INLINE void load16(vf16 *v, const float *r) { memcpy(v, r, sizeof *v); }

/* *acc += v as doubles (the two halves added). */
INLINE void add_wide(vd8 *acc, vf16 v) {
  vf8 lo, hi;
  memcpy(&lo, &v, sizeof lo);
  memcpy(&hi, (const char *)&v + sizeof lo, sizeof hi);
  *acc += __builtin_convertvector(lo, vd8) + __builtin_convertvector(hi, vd8);
}

/* g, or 0 where the fused ReLU's output y is not positive (when relu). */
INLINE float grad_if(float g, const float *y, int64_t i, const int relu) {
  return relu && !(y[i] > 0) ? 0.0f : g;
}

/* *v = g[0 .. 15], each 0 where !(y > 0) when relu. */
INLINE void load16g(vf16 *v, const float *g, const float *y, const int relu) {
  load16(v, g);
  if (!relu) return;
  vf16 yv, zero = {0};
  load16(&yv, y);
  *v = (vf16)((vi16)*v & (yv > zero));
}

/* *s1 += sum (a - ka), *s2 += sum (a - ka) (b - kb) over one run of S
 * values, a taken as 0 where !(y > 0) when relu: float lanes over CHUNK
 * values, then doubles. The statistics are (x, k, x, k), the gradient sums
 * (g, 0, x, mean). */
INLINE void run_sums(const float *a, float ka, const float *b, float kb,
                     const float *y, int64_t S, double *s1, double *s2,
                     const int relu) {
  vf16 kav = (vf16){0} + ka, kbv = (vf16){0} + kb;
  vd8 t = {0}, u = {0};
  int64_t i = 0;
  while (i + 16 <= S) {
    int64_t end = i + CHUNK < S ? i + CHUNK : S;
    vf16 t0 = {0}, t1 = {0}, u0 = {0}, u1 = {0};
    for (; i + 32 <= end; i += 32) { /* two chains of each sum */
      vf16 a0, a1, b0, b1;
      load16g(&a0, a + i, relu ? y + i : NULL, relu);
      load16g(&a1, a + i + 16, relu ? y + i + 16 : NULL, relu);
      load16(&b0, b + i);
      load16(&b1, b + i + 16);
      a0 -= kav;
      a1 -= kav;
      t0 += a0;
      t1 += a1;
      u0 += a0 * (b0 - kbv);
      u1 += a1 * (b1 - kbv);
    }
    for (; i + 16 <= end; i += 16) {
      vf16 a0, b0;
      load16g(&a0, a + i, relu ? y + i : NULL, relu);
      load16(&b0, b + i);
      a0 -= kav;
      t0 += a0;
      u0 += a0 * (b0 - kbv);
    }
    add_wide(&t, t0 + t1);
    add_wide(&u, u0 + u1);
  }
  double r1 = hsum8(&t), r2 = hsum8(&u);
  for (; i < S; i++) {
    double d = (double)grad_if(a[i], y, i, relu) - ka;
    r1 += d;
    r2 += d * ((double)b[i] - kb);
  }
  *s1 += r1;
  *s2 += r2;
}

/* s1[j] += sum d, s2[j] += sum d^2, d = x - k[j] (exact: k[j] is one of
 * the channel's floats), over the runs x[j S .. j S + S-1] of the w
 * channels of the block. */
INLINE void block_sums(const float *x, int64_t w, int64_t S, const double *k,
                       double *s1, double *s2) {
  if (S == 1) { /* one value per channel: vectorise across the channels */
    for (int64_t j = 0; j < w; j++) {
      double d = (double)x[j] - k[j];
      s1[j] += d;
      s2[j] += d * d;
    }
    return;
  }
  for (int64_t j = 0; j < w; j++) {
    const float *r = x + j * S; /* (S) */
    run_sums(r, (float)k[j], r, (float)k[j], NULL, S, &s1[j], &s2[j], 0);
  }
}

/* v, or max(v, 0) when relu. */
INLINE float relu_if(float v, const int relu) { return relu && !(v > 0) ? 0.0f : v; }

/* y = (x - mu[j]) * a[j] + b[j] over the block's runs (then max(y, 0) when
 * relu). */
INLINE void block_affine(float *restrict y, const float *restrict x, int64_t w,
                         int64_t S, const float *mu, const float *a,
                         const float *b, const int relu) {
  if (S == 1) {
    for (int64_t j = 0; j < w; j++) y[j] = relu_if((x[j] - mu[j]) * a[j] + b[j], relu);
    return;
  }
  for (int64_t j = 0; j < w; j++) {
    float mj = mu[j], aj = a[j], bj = b[j];
    for (int64_t i = 0; i < S; i++)
      y[j * S + i] = relu_if((x[j * S + i] - mj) * aj + bj, relu);
  }
}

/* --- forward -------------------------------------------------------------- */

typedef struct {
  float *y, *save_mean, *save_invstd, *running_mean, *running_var; /* (C) */
  const float *x, *weight, *bias;
  int64_t N, C, S;
  int batch_stats, relu;
  double momentum, eps;
} fwd_ctx;

/* Records channel c's statistics (batch ones: mean and biased variance var;
 * else the running ones) and returns the coefficients of y = (x - mu) * a +
 * b, mu the mean rounded to float (b corrects for the rounding). Centring
 * first keeps x * a and b from cancelling when the mean is large next to
 * the spread. */
static void channel_coefs(const fwd_ctx *k, int64_t c, double mean, double var,
                          float *mu, float *a, float *b) {
  double invstd;
  if (k->batch_stats) {
    double n = (double)k->N * (double)k->S;
    invstd = 1.0 / sqrt(var + k->eps);
    if (k->running_mean) {
      double mo = k->momentum;
      k->running_mean[c] = (float)((1 - mo) * k->running_mean[c] + mo * mean);
      k->running_var[c] =
          (float)((1 - mo) * k->running_var[c] + mo * var * n / (n - 1));
    }
  } else {
    mean = k->running_mean[c];
    invstd = 1.0 / sqrt((double)k->running_var[c] + k->eps);
  }
  k->save_mean[c] = *mu = (float)mean;
  k->save_invstd[c] = (float)invstd;
  double w = k->weight ? k->weight[c] : 1.0, bias = k->bias ? k->bias[c] : 0.0;
  *a = (float)(w * invstd);
  *b = (float)(bias + ((double)*mu - mean) * w * invstd);
}

/* Channels [c0, c1): statistics, then the output, block by block. */
TC static void forward_range(void *ctx, int64_t c0, int64_t c1) {
  const fwd_ctx *k = ctx;
  int64_t N = k->N, C = k->C, S = k->S, cols = block_cols(S);
  for (int64_t b0 = c0; b0 < c1; b0 += cols) {
    int64_t w = c1 - b0 < cols ? c1 - b0 : cols;
    double shift[MAX_COLS] = {0}, s1[MAX_COLS] = {0}, s2[MAX_COLS] = {0};
    float mu[MAX_COLS], a[MAX_COLS], b[MAX_COLS];
    if (k->batch_stats) {
      for (int64_t j = 0; j < w; j++) shift[j] = k->x[(b0 + j) * S];
      for (int64_t n = 0; n < N; n++)
        block_sums(k->x + (n * C + b0) * S, w, S, shift, s1, s2);
    }
    double cnt = (double)N * (double)S;
    for (int64_t j = 0; j < w; j++) {
      double m = s1[j] / cnt; /* the shifted mean */
      channel_coefs(k, b0 + j, shift[j] + m, fmax(s2[j] / cnt - m * m, 0.0),
                    &mu[j], &a[j], &b[j]);
    }
    for (int64_t n = 0; n < N; n++) {
      float *y = k->y + (n * C + b0) * S;
      const float *x = k->x + (n * C + b0) * S;
      if (k->relu) block_affine(y, x, w, S, mu, a, b, 1);
      else block_affine(y, x, w, S, mu, a, b, 0);
    }
  }
}

int iddl_batchnorm_forward(float *y, float *save_mean, float *save_invstd,
                           float *running_mean, float *running_var,
                           const float *x, const float *weight,
                           const float *bias, int64_t N, int64_t C, int64_t S,
                           int batch_stats, double momentum, double eps,
                           int relu, iddl_err *err) {
  if (batch_stats && N * S < 2)
    return iddl_fail(err, "batch norm: expected more than 1 value per channel "
                     "when training, got %lld", (long long)(N * S));
  if (!batch_stats && (!running_mean || !running_var))
    return iddl_fail(err, "batch norm: evaluation needs the running statistics");
  if ((running_mean == NULL) != (running_var == NULL))
    return iddl_fail(err, "batch norm: running_mean and running_var go together");
  fwd_ctx k = {y,      save_mean, save_invstd, running_mean, running_var,
               x,      weight,    bias,        N,            C,
               S,      batch_stats, relu,      momentum,     eps};
  iddl_parallel_for_work(C, (double)N * C * S, MIN_WORK, forward_range, &k);
  return 0;
}

/* --- backward ------------------------------------------------------------- */

typedef struct {
  float *grad_in, *grad_weight, *grad_bias;
  const float *grad_out, *x, *relu_out, *mean, *invstd, *weight; /* (C) */
  int64_t N, C, S;
  int batch_stats;
  float scale;
} bwd_ctx;

/* sg[j] += sum g, sgx[j] += sum g (x - mu[j]) over the block's runs; g is
 * masked by the fused ReLU's output y when relu. */
INLINE void block_grad_sums(const float *g, const float *x, const float *y,
                            int64_t w, int64_t S, const float *mu, double *sg,
                            double *sgx, const int relu) {
  if (S == 1) {
    for (int64_t j = 0; j < w; j++) {
      double gj = grad_if(g[j], y, j, relu);
      sg[j] += gj;
      sgx[j] += gj * ((double)x[j] - mu[j]);
    }
    return;
  }
  for (int64_t j = 0; j < w; j++)
    run_sums(g + j * S, 0.0f, x + j * S, mu[j], relu ? y + j * S : NULL, S,
             &sg[j], &sgx[j], relu);
}

/* gx = g * kk[j] + (x - mu[j]) * m[j] + q[j] over the block's runs (g
 * masked by y when relu). */
INLINE void block_affine2(float *restrict gx, const float *restrict g,
                          const float *restrict x, const float *restrict y,
                          int64_t w, int64_t S, const float *mu,
                          const float *kk, const float *m, const float *q,
                          const int relu) {
  if (S == 1) {
    for (int64_t j = 0; j < w; j++)
      gx[j] = grad_if(g[j], y, j, relu) * kk[j] + (x[j] - mu[j]) * m[j] + q[j];
    return;
  }
  for (int64_t j = 0; j < w; j++) {
    float mj = mu[j], kj = kk[j], cj = m[j], qj = q[j];
    for (int64_t i = 0; i < S; i++)
      gx[j * S + i] = grad_if(g[j * S + i], y, j * S + i, relu) * kj +
                      (x[j * S + i] - mj) * cj + qj;
  }
}

/* Accumulates channel c's parameter gradients from sg = sum g and sgx =
 * sum g (x - mean); returns the coefficients of grad_in = g kk + (x - mean)
 * m + q (mean as saved, a float). */
static void channel_grads(const bwd_ctx *k, int64_t c, double sg, double sgx,
                          float *kk, float *m, float *q) {
  double is = k->invstd[c];
  if (k->grad_weight) k->grad_weight[c] += k->scale * (float)(sgx * is);
  if (k->grad_bias) k->grad_bias[c] += k->scale * (float)sg;
  double kc = (k->weight ? k->weight[c] : 1.0) * is, mc = 0.0, qc = 0.0;
  if (k->batch_stats) {
    double n = (double)k->N * (double)k->S;
    mc = -kc * is * is * sgx / n;
    qc = -kc * sg / n;
  }
  *kk = (float)kc;
  *m = (float)mc;
  *q = (float)qc;
}

/* Channels [c0, c1): the sums (only when something needs them), the
 * parameter gradients, then grad_in, block by block. */
TC static void backward_range(void *ctx, int64_t c0, int64_t c1) {
  const bwd_ctx *k = ctx;
  int64_t N = k->N, C = k->C, S = k->S, cols = block_cols(S);
  int sums = k->grad_weight || k->grad_bias || (k->grad_in && k->batch_stats);
  for (int64_t b0 = c0; b0 < c1; b0 += cols) {
    int64_t w = c1 - b0 < cols ? c1 - b0 : cols;
    double sg[MAX_COLS] = {0}, sgx[MAX_COLS] = {0};
    float kk[MAX_COLS], m[MAX_COLS], q[MAX_COLS];
    const float *mu = k->mean + b0; /* (w) */
    const float *y = k->relu_out;
    for (int64_t n = 0; sums && n < N; n++) {
      int64_t o = (n * C + b0) * S;
      if (y) block_grad_sums(k->grad_out + o, k->x + o, y + o, w, S, mu, sg, sgx, 1);
      else block_grad_sums(k->grad_out + o, k->x + o, NULL, w, S, mu, sg, sgx, 0);
    }
    for (int64_t j = 0; j < w; j++)
      channel_grads(k, b0 + j, sg[j], sgx[j], &kk[j], &m[j], &q[j]);
    for (int64_t n = 0; k->grad_in && n < N; n++) {
      int64_t o = (n * C + b0) * S;
      if (y) block_affine2(k->grad_in + o, k->grad_out + o, k->x + o, y + o, w, S, mu, kk, m, q, 1);
      else block_affine2(k->grad_in + o, k->grad_out + o, k->x + o, NULL, w, S, mu, kk, m, q, 0);
    }
  }
}

void iddl_batchnorm_backward(float *grad_in, float *grad_weight,
                             float *grad_bias, const float *grad_out,
                             const float *x, const float *relu_out,
                             const float *save_mean, const float *save_invstd,
                             const float *weight, int64_t N, int64_t C,
                             int64_t S, int batch_stats, float scale) {
  bwd_ctx k = {grad_in, grad_weight, grad_bias, grad_out, x,  relu_out,
               save_mean, save_invstd, weight, N, C, S, batch_stats, scale};
  iddl_parallel_for_work(C, 2.0 * N * C * S, MIN_WORK, backward_range, &k);
}
