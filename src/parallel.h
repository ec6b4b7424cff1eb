/* parallel.h - a small persistent thread pool for the numeric kernels.
 *
 * iddl's own loops (convolution batches, sparse products, normalisation)
 * split their work over the cores with iddl_parallel_for. After a job the
 * workers watch for the next one for 0.2 ms (spin.h, yielding the core now
 * and then), then sleep on a condition variable, so between training steps
 * they leave the cores to OpenBLAS's threads; a kernel should either call a
 * multi-threaded iddl_sgemm or run inside iddl_parallel_for with
 * single-threaded work, not both at once.
 */
#ifndef IDDL_PARALLEL_H
#define IDDL_PARALLEL_H

#include <stdint.h>

/* fn(ctx, begin, end) processes the items [begin, end). */
typedef void (*iddl_range_fn)(void *ctx, int64_t begin, int64_t end);

/* Runs fn over [0, n) split into at most iddl_parallel_threads() contiguous
 * chunks of at least min_chunk items (>= 1), the calling thread taking the
 * first; returns when every chunk is done. Runs fn(ctx, 0, n) inline when n
 * is below 2 * min_chunk, when called from inside a parallel region, when
 * another thread holds the pool, or when threads cannot be started. */
void iddl_parallel_for(int64_t n, int64_t min_chunk, iddl_range_fn fn,
                       void *ctx);

/* iddl_parallel_for sized by cost: `work` is the job's total cost (e.g.
 * elements touched) and every thread gets at least min_work of it, so small
 * jobs run on the calling thread alone. */
void iddl_parallel_for_work(int64_t n, double work, double min_work,
                            iddl_range_fn fn, void *ctx);

/* The number of threads iddl_parallel_for uses: OpenBLAS's thread count
 * (iddl.set_num_threads; IDDL_NUM_THREADS, OPENBLAS_NUM_THREADS or
 * OMP_NUM_THREADS, else the online cores), at most the pool's size, which
 * is fixed at the first call (at most 64). */
int iddl_parallel_threads(void);

/* Inside fn of iddl_parallel_for: the index of the chunk being run, 0 ..
 * iddl_parallel_threads() - 1 (0 on the calling thread, and outside
 * parallel regions): a slot for per-thread partial sums. */
int iddl_parallel_slot(void);

#endif
