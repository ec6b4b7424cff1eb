/* background.c - a worker thread running one task at a time (background.h).
 *
 * Hand-offs spin before they sleep: waking a thread through a condition
 * variable takes 30-60 us on these machines, longer than an MLP step, so a
 * loader whose worker slept between batches made training slower (the MNIST
 * experiment went from 12.2 s to 13.3 s). The worker spins (yielding the
 * core now and then) for SPIN_NS after each task and the caller for as
 * long in iddl_background_wait; only then do they sleep. The flags that
 * each side sets before it sleeps, and reads after it publishes, are
 * sequentially consistent, so a sleeper is always seen and woken.
 */
#include "background.h"

#include <immintrin.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "clock.h"

#define SPIN_NS 200000 /* 0.2 ms: an MLP training step is far shorter */

struct iddl_background {
  pthread_mutex_t lock;   /* guards the sleeping */
  pthread_cond_t changed; /* a task was posted or finished, or stop was set */
  pthread_t thread;
  int started;
  void (*fn)(void *);
  void *ctx;
  atomic_ulong posted, done; /* tasks posted, tasks finished */
  atomic_int stop, worker_sleeps, caller_sleeps;
};

/* Spins until cond(b, arg) holds or SPIN_NS pass; returns cond's value. */
static int spin(iddl_background *b, int (*cond)(iddl_background *, unsigned long),
                unsigned long arg) {
  double end = iddl_now() + SPIN_NS * 1e-9;
  for (int i = 1;; i++) {
    if (cond(b, arg)) return 1;
    if (i % 64 == 0) {
      if (iddl_now() > end) return cond(b, arg);
      sched_yield();
    }
    _mm_pause();
  }
}

static int has_task(iddl_background *b, unsigned long seen) {
  return atomic_load(&b->posted) != seen || atomic_load(&b->stop);
}

static int finished(iddl_background *b, unsigned long target) {
  return atomic_load(&b->done) >= target;
}

static void wake(iddl_background *b, atomic_int *sleeps) {
  if (!atomic_load(sleeps)) return;
  pthread_mutex_lock(&b->lock);
  pthread_cond_broadcast(&b->changed);
  pthread_mutex_unlock(&b->lock);
}

static void *loop(void *arg) {
  iddl_background *b = arg;
  unsigned long seen = 0;
  for (;;) {
    if (!spin(b, has_task, seen)) {
      pthread_mutex_lock(&b->lock);
      atomic_store(&b->worker_sleeps, 1);
      while (!has_task(b, seen)) pthread_cond_wait(&b->changed, &b->lock);
      atomic_store(&b->worker_sleeps, 0);
      pthread_mutex_unlock(&b->lock);
    }
    if (atomic_load(&b->posted) == seen) break; /* stop, nothing left */
    seen = atomic_load(&b->posted);
    b->fn(b->ctx);
    atomic_store(&b->done, seen);
    wake(b, &b->caller_sleeps);
  }
  return NULL;
}

iddl_background *iddl_background_new(void) {
  iddl_background *b = calloc(1, sizeof *b);
  if (!b) return NULL;
  pthread_mutex_init(&b->lock, NULL);
  pthread_cond_init(&b->changed, NULL);
  b->started = pthread_create(&b->thread, NULL, loop, b) == 0;
  return b;
}

void iddl_background_wait(iddl_background *b) {
  unsigned long target = atomic_load(&b->posted);
  if (spin(b, finished, target)) return;
  pthread_mutex_lock(&b->lock);
  atomic_store(&b->caller_sleeps, 1);
  while (!finished(b, target)) pthread_cond_wait(&b->changed, &b->lock);
  atomic_store(&b->caller_sleeps, 0);
  pthread_mutex_unlock(&b->lock);
}

void iddl_background_run(iddl_background *b, void (*fn)(void *), void *ctx) {
  if (!b->started) {
    fn(ctx);
    return;
  }
  iddl_background_wait(b);
  b->fn = fn, b->ctx = ctx;
  atomic_fetch_add(&b->posted, 1); /* publishes fn and ctx */
  wake(b, &b->worker_sleeps);
}

void iddl_background_free(iddl_background *b) {
  if (!b) return;
  if (b->started) {
    iddl_background_wait(b);
    atomic_store(&b->stop, 1);
    pthread_mutex_lock(&b->lock);
    pthread_cond_broadcast(&b->changed);
    pthread_mutex_unlock(&b->lock);
    pthread_join(b->thread, NULL);
  }
  pthread_cond_destroy(&b->changed);
  pthread_mutex_destroy(&b->lock);
  free(b);
}
