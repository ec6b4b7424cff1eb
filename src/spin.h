/* spin.h - bounded busy-waiting for hand-offs between threads.
 *
 * Waking a sleeping thread through a condition variable takes 30-60 us on
 * these machines; a thread that expects work (or a result) within a fraction
 * of a millisecond watches for it instead, then sleeps if it does not come.
 */
#ifndef IDDL_SPIN_H
#define IDDL_SPIN_H

/* How long a hand-off is watched for before sleeping: 0.2 ms, longer than
 * the gap between the jobs of a training step. */
#define IDDL_SPIN_NS 200000

/* Calls done(arg) until it returns non-zero or IDDL_SPIN_NS pass, pausing
 * between calls and yielding the core every 64 (so that other threads,
 * OpenBLAS's too, still get it). Returns done's last value. */
int iddl_spin_until(int (*done)(const void *arg), const void *arg);

#endif
