/* background.h - one task at a time on a thread of its own.
 *
 * For work that should overlap the caller's instead of splitting it: a
 * DataLoader gathers the next batch while the model trains on this one
 * (the MLPs of the seed run on one core and leave the other idle). After
 * a task the thread watches for the next one for 0.2 ms (spin.h), then
 * sleeps on a condition variable until one comes.
 */
#ifndef IDDL_BACKGROUND_H
#define IDDL_BACKGROUND_H

typedef struct iddl_background iddl_background;

/* A new worker, its thread started; NULL when out of memory. If the thread
 * cannot be started the worker still works: tasks then run inline in
 * iddl_background_run. */
iddl_background *iddl_background_new(void);

/* Waits for the previous task, then starts fn(ctx) on the worker's thread
 * and returns. */
void iddl_background_run(iddl_background *b, void (*fn)(void *), void *ctx);

/* Returns when the last task started has finished (at once if none). */
void iddl_background_wait(iddl_background *b);

/* Waits for the last task, stops the thread and frees b; NULL is fine. */
void iddl_background_free(iddl_background *b);

#endif
