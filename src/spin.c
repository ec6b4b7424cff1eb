/* spin.c - bounded busy-waiting (spin.h). */
#include "spin.h"

#include <immintrin.h>
#include <sched.h>

#include "clock.h"

int iddl_spin_until(int (*done)(const void *arg), const void *arg) {
  double end = iddl_now() + IDDL_SPIN_NS * 1e-9;
  for (int i = 1;; i++) {
    if (done(arg)) return 1;
    if (i % 64 == 0) {
      if (iddl_now() > end) return done(arg);
      sched_yield();
    }
    _mm_pause();
  }
}
