/* background.c - a worker thread running one task at a time (background.h).
 *
 * Hand-offs spin before they sleep: waking a thread through a condition
 * variable takes 30-60 us on these machines, longer than an MLP step, so a
 * loader whose worker slept between batches made training slower (the MNIST
 * experiment went from 12.2 s to 13.3 s). The worker watches for the next
 * task after each one, and the caller for the end of the task in
 * iddl_background_wait (spin.h); only then do they sleep. The flags that
 * each side sets before it sleeps, and reads after it publishes, are
 * sequentially consistent, so a sleeper is always seen and woken.
 */
#include "background.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "spin.h"

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

/* For iddl_spin_until: a task newer than w->seen was posted (or stop);
 * the tasks up to w->seen are finished. */
typedef struct watch {
  iddl_background *b;
  unsigned long seen;
} watch;

static int has_task(const void *arg) {
  const watch *w = arg;
  return atomic_load(&w->b->posted) != w->seen || atomic_load(&w->b->stop);
}

static int finished(const void *arg) {
  const watch *w = arg;
  return atomic_load(&w->b->done) >= w->seen;
}

static void wake(iddl_background *b, atomic_int *sleeps) {
  if (!atomic_load(sleeps)) return;
  pthread_mutex_lock(&b->lock);
  pthread_cond_broadcast(&b->changed);
  pthread_mutex_unlock(&b->lock);
}

static void *loop(void *arg) {
  iddl_background *b = arg;
  watch w = {b, 0};
  for (;;) {
    if (!iddl_spin_until(has_task, &w)) {
      pthread_mutex_lock(&b->lock);
      atomic_store(&b->worker_sleeps, 1);
      while (!has_task(&w)) pthread_cond_wait(&b->changed, &b->lock);
      atomic_store(&b->worker_sleeps, 0);
      pthread_mutex_unlock(&b->lock);
    }
    if (atomic_load(&b->posted) == w.seen) break; /* stop, nothing left */
    w.seen = atomic_load(&b->posted);
    b->fn(b->ctx);
    atomic_store(&b->done, w.seen);
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
  watch w = {b, atomic_load(&b->posted)};
  if (iddl_spin_until(finished, &w)) return;
  pthread_mutex_lock(&b->lock);
  atomic_store(&b->caller_sleeps, 1);
  while (!finished(&w)) pthread_cond_wait(&b->changed, &b->lock);
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
