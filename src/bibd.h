/* bibd.h - balanced incomplete block designs: block sets, checks and the
 * constructions iddl knows (see doc/bibd.md for the families).
 *
 * A 2-(v,k,lambda) design is a list of b blocks, k-subsets of the points
 * 0..v-1, such that every pair of distinct points lies in exactly lambda
 * blocks; then every point lies in r = lambda(v-1)/(k-1) blocks and
 * b = vr/k. Points are 0-based here; the Lua side shows them 1-based.
 * Every builder appends to an iddl_blocks the caller has initialised, and
 * reports failure (bad parameters, no memory) through iddl_err.
 */
#ifndef IDDL_BIBD_H
#define IDDL_BIBD_H

#include <stdint.h>

#include "gf.h"
#include "tensor.h"

/* Largest b*k a builder accepts, so no construction can exhaust memory. */
#define IDDL_BIBD_MAX_ENTRIES ((int64_t)1 << 27)

typedef struct iddl_blocks {
  int32_t v, k;    /* points 0..v-1; every block has k of them */
  int64_t b, cap;  /* blocks held, blocks allocated */
  int32_t *pts;    /* (cap, k) each block's points, ascending */
  int32_t *cls;    /* (cap) parallel class of each block (0-based), or NULL
                      when no resolution is known */
  int32_t nclass;  /* number of parallel classes when cls != NULL */
} iddl_blocks;

/* --- block sets (bibd.c) ------------------------------------------------- */

/* An empty set of k-point blocks on v points, no resolution. */
int iddl_blocks_init(iddl_blocks *d, int v, int k, iddl_err *err);
void iddl_blocks_free(iddl_blocks *d);
/* Reserves room for n more blocks (so a builder fails early, not midway,
 * when the design would pass IDDL_BIBD_MAX_ENTRIES). */
int iddl_blocks_reserve(iddl_blocks *d, int64_t n, iddl_err *err);
/* Appends a copy of blk (k points in 0..v-1, any order; sorted here) in
 * parallel class cls (-1: none; the first block with cls >= 0 makes the set
 * resolvable, and then every block must give one). */
int iddl_blocks_add(iddl_blocks *d, const int32_t *blk, int32_t cls,
                    iddl_err *err);

/* out = m copies of every block of d (lambda times m); a resolution of d
 * gives one of out (m copies of each class). */
int iddl_blocks_repeat(iddl_blocks *out, const iddl_blocks *d, int m,
                       iddl_err *err);
/* out = the complement of every block of d (needs k <= v-2); no
 * resolution (complements of a parallel class overlap). */
int iddl_blocks_complement(iddl_blocks *out, const iddl_blocks *d,
                           iddl_err *err);
/* out = the residual of the symmetric design d at its block i: the points
 * outside block i (renumbered in order) and every other block minus block
 * i. out = the derived design when derived: the points of block i and every
 * other block cut by it. Fails unless all cuts have one size. */
int iddl_blocks_residual(iddl_blocks *out, const iddl_blocks *d, int64_t i,
                         int derived, iddl_err *err);
/* out = the product of d1 (v points) and d2 (q points, q a prime power,
 * same k and lambda, k <= q+1) on the points x*q + i (x of d1, i of d2):
 * on every block B of d1 the transversal design TD(k,q) with groups
 * {x} x GF(q), x in B (rows a c_j + b over (a, b), columns c_j the first
 * k of 0, 1, ..., q-1, infinity), and on every group {x} x GF(q) a copy of
 * d2. A 2-(vq, k, lambda) design. */
int iddl_blocks_product(iddl_blocks *out, const iddl_blocks *d1,
                        const iddl_blocks *d2, iddl_err *err);
/* out = the 2-(w(k-1)+1, k, 1) design made from d1, a 2-(w, k', 1)
 * design, and d2, a 2-((k-1)k'+1, k, 1) design: the points are infinity
 * (numbered last) and (x, i) = x(k-1) + i for x < w, i < k-1. The k'
 * blocks of d2 through its last point P cut the other points into k'
 * groups of k-1; on every block B of d1 a copy of d2 without the blocks
 * through P, group j placed on {x_j} x {0..k-2} (x_j the j-th point of
 * B); and once for each x the block {infinity} + {x} x {0..k-2}. */
int iddl_blocks_inflate(iddl_blocks *out, const iddl_blocks *d1,
                        const iddl_blocks *d2, iddl_err *err);
/* Whether two blocks of d are equal (d's blocks are sorted). */
int iddl_blocks_has_repeats(const iddl_blocks *d, iddl_err *err);

/* Checks that the blocks, given as CSR (block j is pts[off[j] .. off[j+1])),
 * form a 2-(v,k,lambda) design: every point in 0..v-1 and no point twice in
 * a block, every block of size k (k = 0: blocks of any size, a pairwise
 * balanced design when lambda = 1), every pair of points (including pairs
 * that never meet) in exactly lambda blocks, which puts every point in
 * r = lambda(v-1)/(k-1) blocks. Counts pairs point by point in O(b k^2)
 * time and O(v) memory. Returns 1 when it is a design, 0 with the first
 * defect written to why (1-based points), -1 on bad arguments or no memory
 * (err). */
int iddl_bibd_check(int64_t v, int64_t b, const int64_t *off,
                    const int32_t *pts, int64_t k, int64_t lambda,
                    char *why, size_t nwhy, iddl_err *err);

/* Pair statistics of a 0/1 incidence given as CSR over v points: fills
 * hist[c] = number of unordered point pairs that share exactly c blocks,
 * for c = 0..maxc (counts above maxc are added to hist[maxc]). O(b k^2). */
int iddl_bibd_pair_hist(int64_t v, int64_t b, const int64_t *off,
                        const int32_t *pts, int64_t *hist, int maxc,
                        iddl_err *err);

/* --- pairwise balanced designs (bibd_pbd.c) ------------------------------ */

/* A PBD: blocks of several sizes (each >= 2) on the points 0..v-1, every
 * pair of points in exactly one block (when built by the functions below;
 * iddl_pbd_check counts). Blocks are stored as CSR. */
typedef struct iddl_pbd {
  int32_t v;          /* points 0..v-1 */
  int64_t b;          /* blocks held */
  int64_t bcap, ncap; /* blocks and points allocated */
  int64_t *off;       /* (bcap+1) block j is pts[off[j] .. off[j+1]) */
  int32_t *pts;       /* (ncap) the points of every block, each block ascending */
} iddl_pbd;

/* An empty PBD on v >= 1 points. */
int iddl_pbd_init(iddl_pbd *p, int v, iddl_err *err);
void iddl_pbd_free(iddl_pbd *p);
/* Appends a copy of blk (n >= 2 distinct points of 0..v-1, any order;
 * sorted here). Fails on a bad block or past IDDL_BIBD_MAX_ENTRIES points
 * in all. */
int iddl_pbd_add(iddl_pbd *p, const int32_t *blk, int n, iddl_err *err);
/* p = the blocks of d (a 2-(v,k,1) design is a PBD(v, {k})); p is freed on failure. */
int iddl_pbd_from_blocks(iddl_pbd *p, const iddl_blocks *d, iddl_err *err);
/* The largest n for which iddl_pbd_td builds TD(n, t): the smallest q+1
 * over the prime powers q exactly dividing t (MacNeish); 0 when t < 2. */
int iddl_td_max(int64_t t);
/* out = the PBD from a transversal design TD(n, t) (3 <= n <=
 * iddl_td_max(t)): groups 0..n-1, group g of the symbols 0..t-1, the
 * block of row (a, b) holding in group g the symbol a g + b over each
 * prime-power factor of t (a at g = q, the column at infinity); the last
 * group cut to its symbols 0..u-1 (0 <= u <= t), and e >= 0 points at
 * infinity added to every group. Points: symbol x of group g < n-1 is
 * g t + x, of the last group (n-1) t + x, infinity i is (n-1) t + u + i;
 * v = (n-1) t + u + e. Blocks: the TD's rows, of n or n-1 points (those
 * cut to fewer than 2 are dropped), then on every group of size
 * s = t + e (g < n-1, from `full`) or u + e (the last, from `last`) with
 * s >= 2 a copy of the PBD given (on s points; NULL when s <= 1 or e >= 2
 * and the group has no symbol). e <= 1: the PBD's point i < s - e is
 * symbol i, its last point infinity. e >= 2: the first block of exactly e
 * points of the given PBD goes to the infinite points (it is written once,
 * for all groups), its other points to the symbols in order. */
int iddl_pbd_td(iddl_pbd *out, int n, int t, int u, int e, const iddl_pbd *full,
                const iddl_pbd *last, iddl_err *err);
/* Whether p is a PBD: returns 1 when every pair of points lies in exactly
 * one block, 0 with the first defect in why (1-based points), -1 on no
 * memory (err). */
int iddl_pbd_check(const iddl_pbd *p, char *why, size_t nwhy, iddl_err *err);
/* out = the 2-((k-1)v+1, k, 1) design from the PBD p on v points and, for
 * every block size s of p, d[s] (s < nd), a 2-((k-1)s+1, k, 1) design (one
 * k for all): points (x, i) = x(k-1) + i for x < v, i < k-1, and infinity
 * numbered last. The s blocks of d[s] through its last point cut its other
 * points into s groups of k-1; on every block B of p a copy of d[s]
 * without those blocks, group j on {x_j} x {0..k-2} (x_j the j-th point of
 * B, ascending); then for each x the block {infinity} + {x} x {0..k-2}. */
int iddl_pbd_inflate(iddl_blocks *out, const iddl_pbd *p, const iddl_blocks *const *d,
                     int nd, iddl_err *err);
/* out = the design on the v points of the PBD p from d[s] (s < nd), a
 * 2-(s, k, lambda) design for every block size s of p (one k for all): on
 * every block B of p a copy of d[s], its point j on the j-th point of B.
 * A 2-(v, k, lambda) design when every d[s] has the same lambda (Wilson's
 * PBD closure). */
int iddl_pbd_fill(iddl_blocks *out, const iddl_pbd *p, const iddl_blocks *const *d,
                  int nd, iddl_err *err);

/* --- elementary designs (bibd_basic.c) ----------------------------------- */

/* All k-subsets of v points (lambda = C(v-2, k-2)), in lexicographic order. */
int iddl_bibd_subsets(iddl_blocks *d, int v, int k, iddl_err *err);

/* --- finite geometries (bibd_geom.c) ------------------------------------- */

/* Points and d-flats of AG(n,q): v = q^n, k = q^d, lambda = [n-1, d-1]_q;
 * resolvable, one parallel class per d-dimensional direction (subspaces in
 * order of their reduced row echelon form). A point is the vector
 * (x_1..x_n) over GF(q), numbered sum x_i q^(n-i). For AG(2,q) the classes
 * are the slopes y = m x + t (m = 0, 1, ... in element order, line t-th in
 * class) and last the lines x = c, which are runs of q consecutive points. */
int iddl_bibd_affine(iddl_blocks *d, int n, int q, int dim, iddl_err *err);
/* Points and d-flats of PG(n,q): v = (q^(n+1)-1)/(q-1),
 * k = (q^(d+1)-1)/(q-1), lambda = [n-1, d-1]_q (hyperplanes: d = n-1). */
int iddl_bibd_projective(iddl_blocks *d, int n, int q, int dim,
                         iddl_err *err);
/* The Hermitian unital in PG(2,q^2): 2-(q^3+1, q+1, 1). */
int iddl_bibd_unital(iddl_blocks *d, int q, iddl_err *err);

/* --- maximal arcs (bibd_arc.c) ------------------------------------------ */

/* The lines of PG(2,q) on a Denniston maximal arc of degree n, q = 2^m <=
 * 2^12, n = 2^j with 2 <= n < q: a resolvable 2-((n-1)q+n, n, 1) design
 * (d initialised with those v and k), one parallel class per point at
 * infinity. See bibd_arc.c for the arc. */
int iddl_bibd_denniston(iddl_blocks *d, int q, int n, iddl_err *err);

/* --- difference sets and families (bibd_diff.c) -------------------------- */

/* An abelian group Z_m[0] x ... x Z_m[r-1] (element = mixed-radix index,
 * digit 0 most significant), optionally with a fixed point "infinity"
 * numbered after the group's elements. */
typedef struct iddl_group {
  int r;
  int32_t m[24];
  int64_t order;
  int infinity;
} iddl_group;

/* Z_n, or Z_p^n for the additive group of GF(p^n) (the element numbering
 * of gf.h: digit i of an element is its i-th base-p digit). */
void iddl_group_cyclic(iddl_group *g, int64_t n);
void iddl_group_field(iddl_group *g, const iddl_gf *f);
/* a + b and a - b in g (neither is infinity) */
int64_t iddl_group_add(const iddl_group *g, int64_t a, int64_t b);
int64_t iddl_group_sub(const iddl_group *g, int64_t a, int64_t b);

/* Develops base blocks over g into d (d->k must be their size): base block
 * j is base[j*k .. j*k+k); full[j] says whether to take all translates (a
 * full orbit, repeats kept) or only the distinct ones (a short orbit).
 * infinity is written as g->order and is fixed by translation. */
int iddl_bibd_develop(iddl_blocks *d, const iddl_group *g,
                      const int64_t *base, const int *full, int nbase,
                      iddl_err *err);

/* Singer difference set of PG(n,q) hyperplanes in Z_v, v = (q^(n+1)-1)/(q-1):
 * writes k = (q^n-1)/(q-1) residues to ds (ascending). */
int iddl_bibd_singer_set(int n, int q, int64_t *ds, iddl_err *err);
/* The cyclotomic class C_i = g^i C_0 of index e of GF(q) (C_0: the e-th
 * powers, the subgroup of index e of GF(q)*), plus 0 when with_zero, into
 * ds ((q-1)/e [+1] elements). */
int iddl_bibd_cyclotomic_class(const iddl_gf *f, int e, int i, int with_zero,
                               int64_t *ds, iddl_err *err);
/* Twin prime power difference set in GF(q) x GF(q+2) (q, q+2 odd prime
 * powers), group Z_p^a x Z_p'^b as iddl_group (field 1 digits first):
 * (q(q+2), (q(q+2)-1)/2, (q(q+2)-3)/4). Writes g and the k elements. */
int iddl_bibd_twin_set(int q, iddl_group *g, int64_t *ds, iddl_err *err);
/* The bent-function (Menon) difference set in Z_2^(2m): vectors with
 * x1x2 + x3x4 + ... = 1: (4^m, 2^(2m-1) - 2^(m-1), 2^(2m-2) - 2^(m-1)). */
int64_t iddl_bibd_bent_set(int m, int64_t *ds);
/* Counts, for every nonzero group element, how often it is a difference
 * x - y of two elements of the base blocks (full orbits); 1 when every
 * count equals lambda (a difference family), else 0. */
int iddl_bibd_is_difference_family(const iddl_group *g, const int64_t *base,
                                   int nbase, int k, int64_t lambda,
                                   iddl_err *err);

/* --- searches for difference families (bibd_search.c) ------------------- */

/* Radical-type difference family over GF(q) with multiplier group H of
 * order t = lambda(q-1)/(k(k-1)): one block B (k elements, 0 and 1 in it)
 * whose k(k-1) differences meet each coset of H exactly lambda times; the
 * family is {hB : h in H}. Tries the roots-of-unity blocks first, then a
 * depth-first search of at most max_nodes nodes. Returns 1 and writes the t
 * base blocks (t*k) to base, 0 when nothing was found. */
int iddl_bibd_search_radical(const iddl_gf *f, int k, int lambda,
                             int64_t max_nodes, int64_t *base, iddl_err *err);
/* Difference family over the group g by depth-first search (at most
 * max_nodes nodes): kind 0: full orbits only (v = |g|); kind 1: plus lambda
 * short orbits of a subgroup of order k (v = |g|); kind 2 (1-rotational):
 * plus lambda short orbits of {infinity} and a subgroup of order k-1
 * (v = |g|+1) (the subgroup: generated by m_i/order at the last digit i
 * whose modulus the order divides); kind 3 ((k-1) | lambda): full orbits,
 * the first lambda/(k-1) of them through infinity (v = |g|+1). Returns the
 * number of base blocks written to base (at most nmax; full ones first,
 * then the short ones, infinity as |g|), 0 when none was found (or it would
 * need more than 4096 full orbits: not searched). */
int iddl_bibd_search_group(const iddl_group *g, int k, int lambda, int kind,
                           int64_t max_nodes, int64_t *base, int64_t nmax,
                           iddl_err *err);

/* Difference family over g (no infinity) invariant under the automorphism
 * mul (mul[x]: the image of x; checked to be an automorphism) of order e
 * <= 64: blocks that are unions of orbits of <mul> and blocks B standing
 * for their e images mul^i(B) (most of those first), by depth-first search
 * of at most max_nodes nodes (shared between the splits tried). kind 0:
 * full orbits only; kind 1: plus lambda short orbits of the subgroup of
 * order k (as in iddl_bibd_search_group; it must be a union of orbits of
 * <mul>). Returns the number of base blocks written to base (at most nmax:
 * full orbits first, short ones last; the family is checked before), 0
 * when none was found, -1 with err on bad arguments; *used (unless NULL)
 * is set to the nodes visited. */
int iddl_bibd_search_multiplier(const iddl_group *g, const int64_t *mul, int k,
                                int lambda, int kind, int64_t max_nodes,
                                int64_t *base, int64_t nmax, int64_t *used,
                                iddl_err *err);

/* --- triple systems (bibd_triple.c) -------------------------------------- */

/* Steiner triple system STS(v), v = 1 or 3 mod 6: Bose's construction for
 * v = 6n+3, Skolem's for v = 6n+1. */
int iddl_bibd_sts(iddl_blocks *d, int v, iddl_err *err);
/* Triple systems with lambda = 2 (v = 0 or 1 mod 3, v >= 3, v != 6, 7: the
 * 3n and 3n+1 constructions over an idempotent quasigroup of order n),
 * lambda = 3 (v odd: the triples {x, y, (x+y)/2} of Z_v) and lambda = 6
 * (v >= 3: {x, y, x o y} for an idempotent quasigroup of order v). */
int iddl_bibd_triple(iddl_blocks *d, int v, int lambda, iddl_err *err);

#endif
