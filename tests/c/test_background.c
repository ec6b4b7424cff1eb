/* test_background.c - cmocka tests of src/background.c: tasks run one at a
 * time in the order posted, wait returns only after the last one finished,
 * hand-offs work both while the thread spins (tasks back to back) and after
 * it has gone to sleep (tasks 1 ms apart, past the spin), and free waits for
 * a task still running. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdatomic.h>
#include <time.h>

#include "background.h"

typedef struct counter {
  atomic_int value;
  int log[64], n; /* the values seen by the tasks, in order */
} counter;

static void bump(void *ctx) {
  counter *c = ctx;
  c->log[c->n++] = atomic_fetch_add(&c->value, 1);
}

static void slow_bump(void *ctx) {
  struct timespec t = {0, 3000000}; /* 3 ms */
  nanosleep(&t, NULL);
  bump(ctx);
}

static void test_back_to_back(void **state) {
  (void)state;
  iddl_background *b = iddl_background_new();
  assert_non_null(b);
  counter c = {0};
  for (int i = 0; i < 64; i++) iddl_background_run(b, bump, &c);
  iddl_background_wait(b);
  assert_int_equal(atomic_load(&c.value), 64);
  for (int i = 0; i < 64; i++) assert_int_equal(c.log[i], i);
  iddl_background_wait(b); /* nothing pending: returns at once */
  iddl_background_free(b);
}

static void test_after_sleeping(void **state) {
  (void)state;
  iddl_background *b = iddl_background_new();
  counter c = {0};
  struct timespec t = {0, 1000000}; /* 1 ms: past the spin */
  for (int i = 0; i < 5; i++) {
    nanosleep(&t, NULL);
    iddl_background_run(b, bump, &c);
    iddl_background_wait(b);
    assert_int_equal(atomic_load(&c.value), i + 1);
  }
  iddl_background_run(b, slow_bump, &c); /* the caller sleeps in wait */
  iddl_background_wait(b);
  assert_int_equal(atomic_load(&c.value), 6);
  iddl_background_free(b);
}

static void test_free_waits(void **state) {
  (void)state;
  iddl_background *b = iddl_background_new();
  counter c = {0};
  iddl_background_run(b, slow_bump, &c);
  iddl_background_free(b);
  assert_int_equal(atomic_load(&c.value), 1);
  iddl_background_free(NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_back_to_back),
      cmocka_unit_test(test_after_sleeping),
      cmocka_unit_test(test_free_waits),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
