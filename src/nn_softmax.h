/* nn_softmax.h - (log-)softmax over the last dimension, viewed as rows.
 *
 * A tensor of any shape is seen as `rows` rows of `cols` contiguous floats;
 * each row is normalised on its own. Numerically stable: the row maximum is
 * subtracted before exponentiating, sums are accumulated in double. out may
 * alias in, grad_in may alias grad_out. These functions cannot fail.
 */
#ifndef IDDL_NN_SOFTMAX_H
#define IDDL_NN_SOFTMAX_H

#include <stdint.h>

/* out = softmax(in) per row, or log_softmax(in) when `log` is non-zero. */
void iddl_softmax_forward(float *out, const float *in, int64_t rows,
                          int64_t cols, int log);

/* grad_in from the forward output `out` and grad_out:
 *   softmax:     grad_in = out * (grad_out - sum(grad_out * out))
 *   log_softmax: grad_in = grad_out - exp(out) * sum(grad_out) */
void iddl_softmax_backward(float *grad_in, const float *out,
                           const float *grad_out, int64_t rows, int64_t cols,
                           int log);

/* The log of the sum of exp of one row of n floats (stable). */
double iddl_logsumexp(const float *x, int64_t n);

#endif
