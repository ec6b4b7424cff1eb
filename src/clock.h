/* clock.h - monotonic wall-clock time. */
#ifndef IDDL_CLOCK_H
#define IDDL_CLOCK_H

/* Seconds since an arbitrary fixed point (CLOCK_MONOTONIC). */
double iddl_now(void);

#endif
