/* parallel.h - a parallel for over an index range, on the machine's cores.
 *
 * Kernels that touch every element of a large tensor (batch norm, pooling)
 * split independent work (channels, planes) into contiguous ranges. The
 * thread count is the one OpenBLAS was given (iddl.set_num_threads, the
 * IDDL_NUM_THREADS / OPENBLAS_NUM_THREADS / OMP_NUM_THREADS variables, else
 * the online cores), so the two never oversubscribe the machine.
 */
#ifndef IDDL_PARALLEL_H
#define IDDL_PARALLEL_H

#include <stdint.h>

/* Work on indices [begin, end); ctx is the caller's. */
typedef void (*iddl_range_fn)(void *ctx, int64_t begin, int64_t end);

/* Calls fn over [0, n) split into contiguous ranges, one per thread; the
 * calling thread takes the first range and returns once all are done.
 * `work` is the total cost (e.g. elements touched): each thread gets at
 * least min_work of it, so small jobs run on the calling thread alone. A
 * thread that cannot be started runs its range on the calling thread, so
 * this never fails. fn must be safe to run on disjoint ranges at once. */
void iddl_parallel_for(int64_t n, double work, double min_work,
                       iddl_range_fn fn, void *ctx);

/* The number of threads iddl_parallel_for uses for large jobs (>= 1). */
int iddl_parallel_threads(void);

#endif
