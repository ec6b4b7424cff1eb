/* test_parallel.c - cmocka tests of src/parallel.c: every item is visited
 * exactly once for many sizes and chunk minimums, small jobs and nested
 * calls run inline on the caller, the pool survives many jobs, and each
 * chunk's slot is its own. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "parallel.h"

typedef struct {
  int *hits;            /* (n) visit count per item */
  int nested;           /* run a nested parallel_for inside each chunk */
  pthread_t caller;
  int chunks_on_caller, chunks;
  pthread_mutex_t lock;
} job;

static void count_nested(void *ctx, int64_t b, int64_t e) {
  int *inline_calls = ctx;
  (*inline_calls)++;
  (void)b, (void)e;
}

static void visit(void *ctx, int64_t b, int64_t e) {
  job *j = ctx;
  for (int64_t i = b; i < e; i++) j->hits[i]++;
  if (j->nested) {                      /* must run inline: one call */
    int calls = 0;
    iddl_parallel_for(1000, 1, count_nested, &calls);
    assert_int_equal(calls, 1);
  }
  pthread_mutex_lock(&j->lock);
  j->chunks++;
  if (pthread_equal(pthread_self(), j->caller)) j->chunks_on_caller++;
  pthread_mutex_unlock(&j->lock);
}

/* Runs parallel_for(n, min_chunk) and checks every item was hit once;
 * returns the number of chunks. */
static int run(int64_t n, int64_t min_chunk, int nested) {
  job j = {.hits = calloc((size_t)(n ? n : 1), sizeof(int)), .nested = nested,
           .caller = pthread_self()};
  pthread_mutex_init(&j.lock, NULL);
  iddl_parallel_for(n, min_chunk, visit, &j);
  for (int64_t i = 0; i < n; i++) assert_int_equal(j.hits[i], 1);
  if (n > 0) assert_int_equal(j.chunks_on_caller, 1);
  free(j.hits);
  pthread_mutex_destroy(&j.lock);
  return j.chunks;
}

static void test_every_item_once(void **state) {
  (void)state;
  int64_t sizes[] = {0, 1, 2, 3, 7, 64, 1000, 4097};
  int64_t mins[] = {1, 2, 5, 100};
  for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++)
    for (size_t m = 0; m < sizeof mins / sizeof *mins; m++) {
      int chunks = run(sizes[s], mins[m], 0);
      int64_t most = sizes[s] / mins[m];
      if (most > iddl_parallel_threads()) most = iddl_parallel_threads();
      if (most < 1) most = sizes[s] > 0;
      assert_true(chunks <= most);
    }
}

static void test_small_job_inline(void **state) {
  (void)state;
  assert_int_equal(run(10, 6, 0), 1);   /* below 2 * min_chunk */
}

static void test_nested_runs_inline(void **state) {
  (void)state;
  run(100, 1, 1);
}

static void test_many_jobs(void **state) {
  (void)state;
  for (int i = 0; i < 2000; i++) run(1 + i % 37, 1, 0);
}

/* Each chunk records its slot; slots are distinct, in range, 0 on the
 * caller's chunk and outside regions. */
typedef struct {
  int seen[64];
  pthread_t caller;
  int caller_slot;
  pthread_mutex_t lock;
} slots_job;

static void record_slot(void *ctx, int64_t b, int64_t e) {
  slots_job *j = ctx;
  int slot = iddl_parallel_slot();
  (void)b, (void)e;
  pthread_mutex_lock(&j->lock);
  if (slot >= 0 && slot < 64) j->seen[slot]++;
  if (pthread_equal(pthread_self(), j->caller)) j->caller_slot = slot;
  pthread_mutex_unlock(&j->lock);
}

static void test_slots(void **state) {
  (void)state;
  assert_int_equal(iddl_parallel_slot(), 0);
  for (int round = 0; round < 50; round++) {
    slots_job j = {.caller = pthread_self(), .caller_slot = -1,
                   .lock = PTHREAD_MUTEX_INITIALIZER};
    iddl_parallel_for(1000, 1, record_slot, &j);
    assert_int_equal(j.caller_slot, 0);
    int threads = iddl_parallel_threads(), total = 0;
    for (int i = 0; i < 64; i++) {
      assert_true(j.seen[i] <= 1);
      if (i >= threads) assert_int_equal(j.seen[i], 0);
      total += j.seen[i];
    }
    assert_int_equal(total, threads < 1000 ? threads : 1000);
  }
  assert_int_equal(iddl_parallel_slot(), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_every_item_once),
      cmocka_unit_test(test_small_job_inline),
      cmocka_unit_test(test_nested_runs_inline),
      cmocka_unit_test(test_many_jobs),
      cmocka_unit_test(test_slots),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
