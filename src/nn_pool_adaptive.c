/* nn_pool_adaptive.c - adaptive average pooling (global pooling included).
 *
 * Output (i, j) of an H x W plane averages the window of rows
 * floor(i H / OH) .. ceil((i + 1) H / OH) - 1 and the columns likewise, so
 * windows cover the plane and may overlap when OH does not divide H. Each
 * window row is a contiguous run; 1x1 outputs sum the plane in one run.
 */
#include "nn_pool_impl.h"
#include "parallel.h"

/* Window i of `out` windows over `in` positions: [*s, *e). */
static void window(int64_t i, int64_t out, int64_t in, int64_t *s, int64_t *e) {
  *s = i * in / out;
  *e = ((i + 1) * in + out - 1) / out;
}

typedef struct {
  float *out;      /* y (P, OH, OW) or grad_in (P, H, W) */
  const float *in; /* x (P, H, W) or grad_out (P, OH, OW) */
  int64_t H, W, OH, OW;
} adaptive_ctx;

POOL_TC static void forward_planes(void *ctx, int64_t p0, int64_t p1) {
  const adaptive_ctx *k = ctx;
  int64_t H = k->H, W = k->W, OH = k->OH, OW = k->OW;
  if (OH == 1 && OW == 1) {
    pool_global_avg(k->out, k->in, H * W, p0, p1);
    return;
  }
  for (int64_t pl = p0; pl < p1; pl++) {
    const float *x = k->in + pl * H * W; /* (H, W) */
    float *y = k->out + pl * OH * OW;    /* (OH, OW) */
    for (int64_t oh = 0; oh < OH; oh++) {
      int64_t hs, he;
      window(oh, OH, H, &hs, &he);
      for (int64_t ow = 0; ow < OW; ow++) {
        int64_t ws, we;
        window(ow, OW, W, &ws, &we);
        double s = 0.0;
        for (int64_t ih = hs; ih < he; ih++) s += pool_run_sum(x + ih * W + ws, we - ws);
        y[oh * OW + ow] = (float)(s / (double)((he - hs) * (we - ws)));
      }
    }
  }
}

void iddl_adaptive_avgpool2d_forward(float *y, const float *x, int64_t P,
                                     int64_t H, int64_t W, int64_t OH,
                                     int64_t OW) {
  adaptive_ctx k = {y, x, H, W, OH, OW};
  iddl_parallel_for_work(P, (double)P * H * W, POOL_MIN_WORK, forward_planes, &k);
}

POOL_TC static void backward_planes(void *ctx, int64_t p0, int64_t p1) {
  const adaptive_ctx *k = ctx;
  int64_t H = k->H, W = k->W, OH = k->OH, OW = k->OW;
  if (OH == 1 && OW == 1) {
    pool_global_avg_back(k->out, k->in, H * W, p0, p1);
    return;
  }
  for (int64_t pl = p0; pl < p1; pl++) {
    float *gi = k->out + pl * H * W;       /* (H, W) */
    const float *g = k->in + pl * OH * OW; /* (OH, OW) */
    memset(gi, 0, (size_t)(H * W) * sizeof(float));
    for (int64_t oh = 0; oh < OH; oh++) {
      int64_t hs, he;
      window(oh, OH, H, &hs, &he);
      for (int64_t ow = 0; ow < OW; ow++) {
        int64_t ws, we;
        window(ow, OW, W, &ws, &we);
        float v = g[oh * OW + ow] / (float)((he - hs) * (we - ws));
        for (int64_t ih = hs; ih < he; ih++) pool_run_add(gi + ih * W + ws, we - ws, v);
      }
    }
  }
}

void iddl_adaptive_avgpool2d_backward(float *grad_in, const float *grad_out,
                                      int64_t P, int64_t H, int64_t W,
                                      int64_t OH, int64_t OW) {
  adaptive_ctx k = {grad_in, grad_out, H, W, OH, OW};
  iddl_parallel_for_work(P, (double)P * H * W, POOL_MIN_WORK, backward_planes, &k);
}
