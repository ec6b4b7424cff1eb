/* blas.c - loads OpenBLAS at run time, after choosing its kernels.
 *
 * The handle and function pointers below are process-wide by nature (a
 * shared library is loaded once per process); they are written once, by
 * iddl_blas_init, and only read afterwards.
 */
#include <cblas.h>
#include <dlfcn.h>
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include "blas.h"

typedef void (*sgemm_fn)(enum CBLAS_ORDER, enum CBLAS_TRANSPOSE,
                         enum CBLAS_TRANSPOSE, blasint, blasint, blasint,
                         float, const float *, blasint, const float *,
                         blasint, float, float *, blasint);
typedef void (*sgemv_fn)(enum CBLAS_ORDER, enum CBLAS_TRANSPOSE, blasint,
                         blasint, float, const float *, blasint,
                         const float *, blasint, float, float *, blasint);
typedef void (*set_threads_fn)(int);
typedef int (*get_threads_fn)(void);
typedef char *(*corename_fn)(void);

static struct {
  void *handle;
  sgemm_fn sgemm;
  sgemv_fn sgemv;
  set_threads_fn set_threads;
  get_threads_fn get_threads;
  corename_fn corename;
} blas;

const char *iddl_blas_preferred_core(void) {
  __builtin_cpu_init();
  /* __builtin_cpu_supports also checks that the OS saves the registers. */
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
      __builtin_cpu_supports("avx512cd"))
    return "SkylakeX";
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    return "Haswell";
  if (__builtin_cpu_supports("avx")) return "Sandybridge";
  return NULL;
}

/* The thread count asked for by the environment, else the online cores. */
int iddl_wanted_threads(void) {
  const char *vars[] = {"IDDL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                        "OMP_NUM_THREADS"};
  for (size_t i = 0; i < sizeof vars / sizeof *vars; i++) {
    const char *v = getenv(vars[i]);
    if (v && atoi(v) > 0) return atoi(v);
  }
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? (int)n : 1;
}

/* Resolves one symbol of the loaded library, or fails naming it. */
static int resolve(void **fn, const char *name, iddl_err *err) {
  *fn = dlsym(blas.handle, name);
  if (!*fn)
    return iddl_fail(err, "OpenBLAS: symbol %s missing in libopenblas.so.0",
                     name);
  return 0;
}

int iddl_blas_init(iddl_err *err) {
  if (blas.sgemm) return 0;
  const char *core = iddl_blas_preferred_core();
  if (core && !getenv("OPENBLAS_CORETYPE"))
    setenv("OPENBLAS_CORETYPE", core, 0);
  /* OpenBLAS's idle threads spin on sched_yield for 2^28 cycles (about
   * 0.1 s) after each threaded product by default, taking the second core
   * from iddl's own thread pool: the MNIST experiment spent 4 s of system
   * time in them. 2^4 cycles lets them sleep at once (the wall time did
   * not change; the system time fell to 0.3 s). */
  setenv("OPENBLAS_THREAD_TIMEOUT", "4", 0);
  if (!blas.handle) blas.handle = dlopen("libopenblas.so.0", RTLD_NOW | RTLD_LOCAL);
  if (!blas.handle)
    return iddl_fail(err, "cannot load OpenBLAS (%s); install libopenblas0 "
                     "(make deps)", dlerror());
  if (resolve((void **)&blas.sgemv, "cblas_sgemv", err) ||
      resolve((void **)&blas.set_threads, "openblas_set_num_threads", err) ||
      resolve((void **)&blas.get_threads, "openblas_get_num_threads", err) ||
      resolve((void **)&blas.corename, "openblas_get_corename", err))
    return -1;
  blas.set_threads(iddl_wanted_threads());
  /* Set last: a non-NULL sgemm means fully initialised. */
  return resolve((void **)&blas.sgemm, "cblas_sgemm", err);
}

const char *iddl_blas_corename(void) {
  return blas.sgemm ? blas.corename() : "not loaded";
}

int iddl_blas_threads(void) { return blas.sgemm ? blas.get_threads() : 0; }

void iddl_blas_set_threads(int n) {
  if (blas.sgemm && n > 0) blas.set_threads(n);
}

void iddl_sgemm(int trans_a, int trans_b, int64_t m, int64_t n, int64_t k,
                float alpha, const float *a, int64_t lda, const float *b,
                int64_t ldb, float beta, float *c, int64_t ldc) {
  blas.sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
             trans_b ? CblasTrans : CblasNoTrans, (blasint)m, (blasint)n,
             (blasint)k, alpha, a, (blasint)lda, b, (blasint)ldb, beta, c,
             (blasint)ldc);
}

void iddl_sgemv(int trans_a, int64_t m, int64_t n, float alpha, const float *a,
                int64_t lda, const float *x, int64_t incx, float beta,
                float *y, int64_t incy) {
  blas.sgemv(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, (blasint)m,
             (blasint)n, alpha, a, (blasint)lda, x, (blasint)incx, beta, y,
             (blasint)incy);
}
