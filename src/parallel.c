/* parallel.c - iddl_parallel_for on short-lived POSIX threads.
 *
 * Threads are created per call: starting and joining one costs some tens of
 * microseconds, small next to the jobs min_work lets through, and nothing
 * idles between calls to compete with OpenBLAS's own threads.
 */
#include <pthread.h>

#include "blas.h"
#include "parallel.h"

#define MAX_THREADS 64

typedef struct {
  iddl_range_fn fn;
  void *ctx;
  int64_t begin, end;
} range_job;

static void *run_job(void *p) {
  range_job *j = p;
  j->fn(j->ctx, j->begin, j->end);
  return NULL;
}

int iddl_parallel_threads(void) {
  iddl_err err;
  if (iddl_blas_init(&err)) return 1; /* no OpenBLAS: no thread setting */
  int t = iddl_blas_threads();
  return t < 1 ? 1 : t > MAX_THREADS ? MAX_THREADS : t;
}

void iddl_parallel_for(int64_t n, double work, double min_work,
                       iddl_range_fn fn, void *ctx) {
  int64_t t = n < 2 || work < 2 * min_work ? 1 : iddl_parallel_threads();
  if (t > n) t = n;
  if (min_work > 0 && t > work / min_work) t = (int64_t)(work / min_work);
  if (t <= 1) {
    if (n > 0) fn(ctx, 0, n);
    return;
  }
  range_job jobs[MAX_THREADS];
  pthread_t threads[MAX_THREADS];
  int started[MAX_THREADS];
  for (int64_t i = 0; i < t; i++)
    jobs[i] = (range_job){fn, ctx, n * i / t, n * (i + 1) / t};
  for (int64_t i = 1; i < t; i++)
    started[i] = pthread_create(&threads[i], NULL, run_job, &jobs[i]) == 0;
  run_job(&jobs[0]);
  for (int64_t i = 1; i < t; i++) {
    if (started[i])
      pthread_join(threads[i], NULL);
    else
      run_job(&jobs[i]);
  }
}
