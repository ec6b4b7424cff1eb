/* parallel.c - the persistent thread pool behind iddl_parallel_for.
 *
 * Hand-offs spin before they sleep: a worker woken through a condition
 * variable starts 30-60 us later on these machines, which made two threads
 * slower than one for the sparse linear layer at batch 256 (784->49: 207 us
 * on two threads, 110 us on one; 87 us on two with the spin). After each
 * job a worker watches for the next one (spin.h), and the caller watches
 * for the end of its job, before either sleeps; the condition variables are signalled only
 * when somebody sleeps on them. Job fields are read and written under the
 * lock, as before.
 */
#include "parallel.h"

#include "blas.h"
#include "spin.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#define MAX_THREADS 64

static struct {
  pthread_once_t once;
  pthread_mutex_t busy;       /* held by the caller of a running job */
  pthread_mutex_t lock;       /* guards everything below */
  pthread_cond_t start, done;
  int nthreads;               /* including the caller */
  atomic_ulong generation;    /* bumped for each job */
  atomic_int pending;         /* worker chunks not finished yet */
  int sleepers;               /* workers waiting on start */
  int caller_sleeps;          /* the caller waits on done */
  iddl_range_fn fn;
  void *ctx;
  int64_t n, chunks;
} pool = {.once = PTHREAD_ONCE_INIT,
          .busy = PTHREAD_MUTEX_INITIALIZER,
          .lock = PTHREAD_MUTEX_INITIALIZER,
          .start = PTHREAD_COND_INITIALIZER,
          .done = PTHREAD_COND_INITIALIZER};

static _Thread_local int in_region;
static _Thread_local int slot_id; /* the chunk this thread runs (0: the caller) */

/* Items of chunk c when [0, n) is cut into `chunks` near-equal parts. */
static int64_t chunk_begin(int64_t c, int64_t n, int64_t chunks) {
  return (int64_t)((__int128)n * c / chunks);
}

/* For iddl_spin_until: a job newer than *seen was posted. */
static int new_job(const void *seen) {
  return atomic_load(&pool.generation) != *(const unsigned long *)seen;
}

/* For iddl_spin_until: no chunk of the caller's job is pending. */
static int job_done(const void *unused) {
  (void)unused;
  return atomic_load(&pool.pending) == 0;
}

static void *worker(void *arg) {
  int64_t id = (int64_t)(intptr_t)arg;   /* 1 .. nthreads-1 */
  unsigned long seen = 0;
  in_region = 1;
  for (;;) {
    iddl_spin_until(new_job, &seen);
    pthread_mutex_lock(&pool.lock);
    pool.sleepers++;
    while (atomic_load(&pool.generation) == seen) pthread_cond_wait(&pool.start, &pool.lock);
    pool.sleepers--;
    seen = atomic_load(&pool.generation);
    if (id >= pool.chunks) {             /* not needed for this job */
      pthread_mutex_unlock(&pool.lock);
      continue;
    }
    iddl_range_fn fn = pool.fn;
    void *ctx = pool.ctx;
    int64_t n = pool.n, chunks = pool.chunks;
    pthread_mutex_unlock(&pool.lock);
    slot_id = (int)id;
    fn(ctx, chunk_begin(id, n, chunks), chunk_begin(id + 1, n, chunks));
    slot_id = 0;
    pthread_mutex_lock(&pool.lock);
    if (atomic_fetch_sub(&pool.pending, 1) == 1 && pool.caller_sleeps)
      pthread_cond_signal(&pool.done);
    pthread_mutex_unlock(&pool.lock);
  }
  return NULL;
}

static void pool_start(void) {
  int want = iddl_wanted_threads();
  if (want > MAX_THREADS) want = MAX_THREADS;
  pool.nthreads = 1;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  for (int i = 1; i < want; i++) {
    pthread_t t;
    if (pthread_create(&t, &attr, worker, (void *)(intptr_t)i) != 0) break;
    pool.nthreads++;
  }
  pthread_attr_destroy(&attr);
}

int iddl_parallel_slot(void) { return slot_id; }

int iddl_parallel_threads(void) {
  pthread_once(&pool.once, pool_start);
  iddl_err err;
  int blas = iddl_blas_init(&err) ? 0 : iddl_blas_threads();
  return blas >= 1 && blas < pool.nthreads ? blas : pool.nthreads;
}

void iddl_parallel_for_work(int64_t n, double work, double min_work,
                            iddl_range_fn fn, void *ctx) {
  double per_item = n > 0 ? work / (double)n : 0;
  int64_t min_chunk = per_item > 0 && min_work > 0
                          ? (int64_t)(min_work / per_item) + 1 : 1;
  iddl_parallel_for(n, min_chunk, fn, ctx);
}

void iddl_parallel_for(int64_t n, int64_t min_chunk, iddl_range_fn fn,
                       void *ctx) {
  if (n <= 0) return;
  if (min_chunk < 1) min_chunk = 1;
  int64_t chunks = n / min_chunk;
  int threads = in_region ? 1 : iddl_parallel_threads();
  if (chunks > threads) chunks = threads;
  if (chunks < 2 || pthread_mutex_trylock(&pool.busy) != 0) {
    fn(ctx, 0, n);
    return;
  }
  pthread_mutex_lock(&pool.lock);
  pool.fn = fn;
  pool.ctx = ctx;
  pool.n = n;
  pool.chunks = chunks;
  atomic_store(&pool.pending, (int)chunks - 1);
  atomic_fetch_add(&pool.generation, 1);
  if (pool.sleepers) pthread_cond_broadcast(&pool.start);
  pthread_mutex_unlock(&pool.lock);

  in_region = 1;
  fn(ctx, 0, chunk_begin(1, n, chunks));
  in_region = 0;

  if (!iddl_spin_until(job_done, NULL)) {
    pthread_mutex_lock(&pool.lock);
    pool.caller_sleeps = 1;
    while (atomic_load(&pool.pending) > 0) pthread_cond_wait(&pool.done, &pool.lock);
    pool.caller_sleeps = 0;
    pthread_mutex_unlock(&pool.lock);
  }
  pthread_mutex_unlock(&pool.busy);
}
