/* nn_dropout.h - inverted dropout driven by the seeded generator. */
#ifndef IDDL_NN_DROPOUT_H
#define IDDL_NN_DROPOUT_H

#include "rng.h"

/* Draws mask (n) from r: 0 with probability p, else 1 / (1 - p) (all zeros
 * when p == 1), and writes out = in * mask. out may alias in. p must be in
 * [0, 1]; returns -1 with err set otherwise. */
int iddl_dropout_forward(float *out, float *mask, const float *in, int64_t n,
                         double p, iddl_rng *r, iddl_err *err);

/* grad_in = grad_out * mask (the mask of the forward pass). */
void iddl_dropout_backward(float *grad_in, const float *grad_out,
                           const float *mask, int64_t n);

#endif
