/* bibd_basic.c - the design of all k-subsets; see bibd.h. */
#include <stdlib.h>

#include "bibd.h"

int iddl_bibd_subsets(iddl_blocks *d, int v, int k, iddl_err *err) {
  if (k < 1 || k > v) return iddl_fail(err, "subsets: need 1 <= k <= v, got v=%d k=%d", v, k);
  int64_t n = 1; /* C(v, k), saturated */
  for (int i = 1; i <= k && n <= IDDL_BIBD_MAX_ENTRIES; i++) n = n * (v - k + i) / i;
  if (iddl_blocks_reserve(d, n, err)) return -1;
  int32_t *s = malloc(sizeof(int32_t) * (size_t)k); /* (k) current subset, ascending */
  if (!s) return iddl_fail(err, "subsets: out of memory");
  for (int i = 0; i < k; i++) s[i] = i;
  int rc = 0;
  for (;;) {
    if ((rc = iddl_blocks_add(d, s, -1, err))) break;
    int i = k - 1;
    while (i >= 0 && s[i] == v - k + i) i--;
    if (i < 0) break;
    s[i]++;
    for (int j = i + 1; j < k; j++) s[j] = s[j - 1] + 1;
  }
  free(s);
  return rc;
}
