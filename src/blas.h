/* blas.h - OpenBLAS, loaded at run time on the right kernels.
 *
 * OpenBLAS picks its kernels when the library is loaded, from
 * OPENBLAS_CORETYPE or its own CPU detection, which misdetects some Xeons
 * (sgemm 67 instead of 318 GFLOP/s). iddl therefore never links OpenBLAS:
 * iddl_blas_init() reads the CPU's features with cpuid, sets
 * OPENBLAS_CORETYPE to the best kernel family the CPU and OS support (unless
 * the user set it), and only then dlopen()s libopenblas.so.0. It also caps
 * OpenBLAS's threads at the number of cores, so nothing oversubscribes.
 */
#ifndef IDDL_BLAS_H
#define IDDL_BLAS_H

#include "tensor.h"

/* Loads OpenBLAS once (later calls return at once). Thread count: the
 * IDDL_NUM_THREADS, then OPENBLAS_NUM_THREADS, then OMP_NUM_THREADS
 * environment variable, else the number of online cores. Returns -1 with err
 * set when the library or a symbol is missing. */
int iddl_blas_init(iddl_err *err);

/* The kernel family chosen from cpuid ("SkylakeX", "Haswell", ...), or NULL
 * when the CPU gives no reason to override OpenBLAS's own choice. */
const char *iddl_blas_preferred_core(void);
/* OpenBLAS's own report of the kernels in use; "not loaded" before init. */
const char *iddl_blas_corename(void);
int iddl_blas_threads(void);
/* The thread count the environment asks for (IDDL_NUM_THREADS,
 * OPENBLAS_NUM_THREADS, OMP_NUM_THREADS), else the online cores. */
int iddl_wanted_threads(void);
void iddl_blas_set_threads(int n);

/* Row-major C = alpha * op(A) op(B) + beta * C, op = transpose if trans_*.
 * (M, K) x (K, N) -> (M, N). Requires a successful iddl_blas_init. */
void iddl_sgemm(int trans_a, int trans_b, int64_t m, int64_t n, int64_t k,
                float alpha, const float *a, int64_t lda, const float *b,
                int64_t ldb, float beta, float *c, int64_t ldc);
/* Row-major y = alpha * op(A) x + beta * y with A (M, N). */
void iddl_sgemv(int trans_a, int64_t m, int64_t n, float alpha, const float *a,
                int64_t lda, const float *x, int64_t incx, float beta,
                float *y, int64_t incy);

#endif
