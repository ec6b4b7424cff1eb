-- bibd/catalog.lua - the direct constructions of 2-(v,k,lambda) designs.
--
-- Each entry recognises the parameters it builds and returns a plan
-- {name = 'AG(2,7)', build = function() -> iddl.bibd.Blocks end}, or nil.
-- Entries of tier 'cheap' decide from arithmetic alone (a few check a
-- difference set in O(k^2)); entries of tier 'search' run a bounded search
-- for a difference family (its result is kept in the plan, so building
-- repeats nothing). plan.lua adds complements and multiples on top.
local core = require 'iddl.bibd_core'
local A = require 'iddl.bibd.arith'

-- Nodes one difference-family search may visit (~10-60 ms each).
local SEARCH_NODES = 2000000

local C = { cheap = {}, search = {} }
local function add(tier, fn) table.insert(C[tier], fn) end

-- The additive group of GF(q) for develop/search: {p, p, ..., p}.
local function field_group(q)
  local p, n = A.prime_power(q)
  local g = {}
  for i = 1, n do g[i] = p end
  return g
end

-- A plan developing base blocks over a group (short: number of short
-- orbits at the end of base).
local function develop_plan(name, group, base, short)
  local full = {}
  for i = 1, #base do full[i] = i <= #base - (short or 0) end
  return { name = name, build = function() return core.develop(group, base, full) end }
end

-- trivial: one block of all points (k = v, lambda = 1)
add('cheap', function(v, k, lambda)
  if k == v and lambda == 1 then
    return { name = 'trivial (one block of all points)',
             build = function() return core.subsets(v, v) end }
  end
end)

-- AG(n,q) points and d-flats: v = q^n, k = q^d, lambda = [n-1, d-1]_q
add('cheap', function(v, k, lambda)
  for d = 1, 30 do
    if 2 ^ d > k then break end
    local q = A.root(k, d)
    local n = q and A.prime_power(q) and A.log(v, q)
    if n and n > d and n <= 23 and lambda == A.gaussian(n - 1, d - 1, q) then
      local what = n == 2 and '' or d == 1 and ' points/lines'
                   or d == n - 1 and ' points/hyperplanes' or string.format(' points/%d-flats', d)
      return { name = string.format('AG(%d,%d)%s', n, q, what),
               build = function() return core.affine(n, q, d) end }
    end
  end
end)

-- PG(n,q) points and d-flats: v = [n+1,1]_q, k = [d+1,1]_q,
-- lambda = [n-1, d-1]_q; hyperplanes of PG(n,q), n >= 3, from a Singer
-- difference set (cyclic), the rest from coordinates
add('cheap', function(v, k, lambda)
  for d = 1, 30 do
    if 2 ^ d > k then break end
    local q0 = math.floor(k ^ (1 / d))
    for q = math.max(2, q0 - 1), q0 + 1 do
      if A.prime_power(q) and A.projective(d, q) == k then
        for n = d + 1, 22 do
          local pv = A.projective(n, q)
          if pv > v then break end
          if pv == v and lambda == A.gaussian(n - 1, d - 1, q) then
            if n == 2 then
              return { name = string.format('PG(2,%d)', q),
                       build = function() return core.projective(2, q, 1) end }
            end
            if d == n - 1 and q ^ (n + 1) <= 1 << 22 then
              local set = core.singer_set(n, q)
              return develop_plan(string.format('PG(%d,%d) points/hyperplanes (Singer '
                                                .. 'difference set)', n, q), { v }, { set })
            end
            local what = d == 1 and 'lines' or d == n - 1 and 'hyperplanes'
                         or string.format('%d-flats', d)
            return { name = string.format('PG(%d,%d) points/%s', n, q, what),
                     build = function() return core.projective(n, q, d) end }
          end
        end
      end
    end
  end
end)

-- Hermitian unital in PG(2,q^2): (q^3+1, q+1, 1)
add('cheap', function(v, k, lambda)
  local q = k - 1
  if lambda == 1 and q <= 16 and A.prime_power(q) and v == q * q * q + 1 then
    return { name = string.format('Hermitian unital in PG(2,%d)', q * q),
             build = function() return core.unital(q) end }
  end
end)

-- Denniston maximal arc of degree n = k in PG(2,q), q = 2^m, n = 2^j < q:
-- the lines meeting it cut a resolvable ((n-1)q+n, n, 1) design (k = 2,
-- a hyperoval's pairs, is left to 'all k-subsets')
add('cheap', function(v, k, lambda)
  if lambda ~= 1 or k < 4 or k & (k - 1) ~= 0 or (v - k) % (k - 1) ~= 0 then return nil end
  local q = (v - k) // (k - 1)
  if q > k and q <= 1 << 12 and q & (q - 1) == 0 then
    return { name = string.format('Denniston maximal arc of degree %d in PG(2,%d)', k, q),
             build = function() return core.denniston(q, k) end }
  end
end)

-- all k-subsets: lambda = C(v-2, k-2)
add('cheap', function(v, k, lambda)
  if k < v and lambda == A.binomial(v - 2, k - 2) then
    return { name = string.format('all %d-subsets of %d points', k, v),
             build = function() return core.subsets(v, k) end }
  end
end)

-- triple systems: STS(v) (lambda 1), lambda = 2, 3, 6 from quasigroups
add('cheap', function(v, k, lambda)
  if k ~= 3 then return nil end
  if lambda == 1 and (v % 6 == 1 or v % 6 == 3) then
    return { name = string.format('STS(%d) (%s)', v, v % 6 == 3 and 'Bose' or 'Skolem'),
             build = function() return core.sts(v) end }
  end
  local ok = lambda == 2 and v % 3 ~= 2 and v ~= 6 and v ~= 7
             or lambda == 3 and v % 2 == 1 or lambda == 6
  if ok then
    local how = lambda == 2 and (v % 3 == 0 and '3n construction' or '3n+1 construction')
                or lambda == 3 and '{x, y, (x+y)/2} mod v' or 'idempotent quasigroup'
    return { name = string.format('TS(%d,%d) (%s)', v, lambda, how),
             build = function() return core.triple(v, lambda) end }
  end
end)

-- Paley difference set: the squares of GF(q), q = 3 mod 4
add('cheap', function(v, k, lambda)
  if v % 4 == 3 and v >= 7 and k == (v - 1) // 2 and lambda == (v - 3) // 4
     and A.prime_power(v) and v <= 1 << 22 then
    return develop_plan(string.format('Paley difference set in GF(%d)', v), field_group(v),
                        { core.cyclotomic_class(v, 2, 0, false) })
  end
end)

-- cyclotomic difference sets: the e-th powers of GF(q), or 0 and them
-- (biquadratic, octic, ... residues), when they are one
add('cheap', function(v, k, lambda)
  if v > 20000 or not A.prime_power(v) or k * (k - 1) ~= lambda * (v - 1) then return nil end
  for with0 = 0, 1 do
    local f = k - with0
    if f >= 2 and (v - 1) % f == 0 and (v - 1) // f >= 2 then
      local e = (v - 1) // f
      local set = core.cyclotomic_class(v, e, 0, with0 == 1)
      if core.is_difference_family(field_group(v), { set }, lambda) then
        local powers = e == 2 and 'squares' or e == 3 and 'cubes' or e .. 'th powers'
        return develop_plan(string.format('cyclotomic difference set in GF(%d) (%sthe %s)',
                                          v, with0 == 1 and '0 and ' or '', powers),
                            field_group(v), { set })
      end
    end
  end
end)

-- twin prime powers q, q+2: difference set in GF(q) x GF(q+2)
add('cheap', function(v, k, lambda)
  local q = A.isqrt(v + 1) - 1
  if (q + 1) * (q + 1) == v + 1 and q % 2 == 1 and q >= 3 and q <= 1024
     and k == (v - 1) // 2 and lambda == (v - 3) // 4
     and A.prime_power(q) and A.prime_power(q + 2) then
    local set, group = core.twin_set(q)
    return develop_plan(string.format('twin prime power difference set in GF(%d) x GF(%d)',
                                      q, q + 2), group, { set })
  end
end)

-- Menon difference set from the bent function x1x2 + x3x4 + ... on GF(2)^2m
add('cheap', function(v, k, lambda)
  local m = A.log(v, 4)
  if m and m >= 2 and m <= 10 and k == 2 ^ (2 * m - 1) - 2 ^ (m - 1)
     and lambda == 2 ^ (2 * m - 2) - 2 ^ (m - 1) then
    local g = {}
    for i = 1, 2 * m do g[i] = 2 end
    return develop_plan(string.format('Menon difference set in GF(2)^%d (bent function)', 2 * m),
                        g, { core.bent_set(m) })
  end
end)

-- cyclotomic families over GF(q): the (q-1)/f cosets of the subgroup of
-- order f of GF(q)* give (q, f, f-1); 0 and those cosets give (q, f+1, f+1)
add('cheap', function(v, k, lambda)
  if v > 1 << 16 or not A.prime_power(v) then return nil end
  local f, with0
  if lambda == k - 1 and k <= v - 2 and (v - 1) % k == 0 then f, with0 = k, false
  elseif lambda == k and k >= 3 and (v - 1) % (k - 1) == 0 then f, with0 = k - 1, true
  else return nil end
  local e, base = (v - 1) // f, {}
  for i = 0, e - 1 do base[i + 1] = core.cyclotomic_class(v, e, i, with0) end
  return develop_plan(string.format('cyclotomic family in GF(%d) (%sthe cosets of the order-%d '
                                    .. 'subgroup)', v, with0 and '0 and ' or '', f),
                      field_group(v), base)
end)

-- The symmetric designs above and their complements (for residuals).
local function symmetric(v, k, lambda)
  for i = 1, #C.cheap - 1 do                  -- not the residual entry itself
    local p = C.cheap[i](v, k, lambda)
    if p then return p end
  end
  local lc = v - 2 * k + lambda
  if v - k >= 2 and lc >= 1 then
    for i = 1, #C.cheap - 1 do
      local p = C.cheap[i](v, v - k, lc)
      if p then
        return { name = 'complement of ' .. p.name,
                 build = function() return p.build():complement() end }
      end
    end
  end
end

-- residual (v, k, lambda) of a symmetric (v+k+lambda, k+lambda, lambda)
-- design, and derived (v, lambda+1, lambda) of a symmetric
-- (1 + v(v-1)/k, v, k) design
add('cheap', function(v, k, lambda)
  local K = k + lambda
  if K * (K - 1) == lambda * (v + K - 1) then
    local p = symmetric(v + K, K, lambda)
    if p then
      return { name = 'residual of ' .. p.name, build = function() return p.build():residual(1) end }
    end
  end
  if lambda == k - 1 and v * (v - 1) % k == 0 then
    local p = symmetric(1 + v * (v - 1) // k, v, k)
    if p then
      return { name = 'derived of ' .. p.name, build = function() return p.build():derived(1) end }
    end
  end
end)

-- radical difference family over GF(q)
add('search', function(v, k, lambda)
  if k < 3 or k > 64 or v > 1 << 16 or lambda > 64 or not A.prime_power(v)
     or lambda * (v - 1) % (k * (k - 1)) ~= 0 then return nil end
  local base = core.search_radical(v, k, lambda, SEARCH_NODES)
  if base then
    return develop_plan(string.format('radical difference family in GF(%d)', v), field_group(v),
                        base)
  end
end)

-- difference families found by search, in Z_v and then in the other
-- abelian groups of order v: full orbits; full orbits and a short orbit of
-- a subgroup of order k; 1-rotational in Z_(v-1) (then the other groups of
-- order v-1) + infinity, with a short orbit of infinity and a subgroup of
-- order k-1, or with lambda/(k-1) full orbits through infinity
local MAX_GROUPS = 4                     -- non-cyclic groups tried per order

-- 'Z_3 x Z_15' for moduli {3, 15}
local function group_name(g)
  local parts = {}
  for i, m in ipairs(g) do parts[i] = 'Z_' .. m end
  return table.concat(parts, ' x ')
end

add('search', function(v, k, lambda)
  if k < 3 or v > 1 << 16 or lambda > 64 then return nil end
  local kk = k * (k - 1)
  local tries = {}
  local function groups(n, infinity)
    local gs = { { n } }
    for _, g in ipairs(A.noncyclic_groups(n, MAX_GROUPS)) do gs[#gs + 1] = g end
    for _, g in ipairs(gs) do g.infinity = infinity end
    return gs
  end
  if lambda * (v - 1) % kk == 0 or v % k == 0 and lambda * (v - k) % kk == 0 then
    for _, g in ipairs(groups(v, false)) do
      local what = (#g == 1 and 'cyclic ' or '') .. 'difference family in ' .. group_name(g)
      if lambda * (v - 1) % kk == 0 then tries[#tries + 1] = { g, 0, what } end
      if v % k == 0 and lambda * (v - k) % kk == 0 then
        tries[#tries + 1] = { g, 1, what .. ' with a short orbit' }
      end
    end
  end
  if lambda * (v - k) % kk == 0 and v - 1 >= k then
    for _, g in ipairs(groups(v - 1, true)) do
      local what = '1-rotational difference family in ' .. group_name(g) .. ' + infinity'
      if (v - 1) % (k - 1) == 0 then tries[#tries + 1] = { g, 2, what } end
      if lambda % (k - 1) == 0 then tries[#tries + 1] = { g, 3, what } end
    end
  end
  for _, t in ipairs(tries) do
    local base = core.search_group(t[1], k, lambda, t[2], SEARCH_NODES)
    if base then return develop_plan(t[3], t[1], base, (t[2] == 1 or t[2] == 2) and lambda or 0) end
  end
end)

-- difference families invariant under a multiplier: an automorphism of
-- order e (2..MULT_MAX_ORDER) of Z_v, of another abelian group of order v
-- (x -> m x digitwise) or of GF(v) (x -> w x); some blocks are unions of
-- its orbits, the others come with their e images, so the search handles
-- about 1/e of the blocks. Tries each subgroup of multipliers once, small
-- orders first, at most MULT_NODES nodes each and MULT_TOTAL in all.
local MULT_MAX_ORDER, MULT_NODES, MULT_TOTAL = 12, 1000000, 8000000

local function gcd(a, b)
  while b ~= 0 do a, b = b, a % b end
  return a
end

-- {m, e}: one generator m of each cyclic subgroup of order e in 2..max of
-- the units mod the exponent of the group g (a list of moduli).
local function multiplier_subgroups(g, max)
  local ex = 1
  for _, m in ipairs(g) do ex = ex * m // gcd(ex, m) end
  local seen, out = {}, {}
  for u = 2, ex - 1 do
    if gcd(u, ex) == 1 then
      local set, x, e = {}, 1, 0
      repeat x, e = x * u % ex, e + 1; set[e] = x until x == 1 or e > max
      if e <= max then
        table.sort(set)
        local key = table.concat(set, ',')
        if not seen[key] then seen[key] = true; out[#out + 1] = { m = u, e = e } end
      end
    end
  end
  return out
end

add('search', function(v, k, lambda)
  if k < 3 or v > 2000 or lambda > 64 then return nil end
  local kk = k * (k - 1)
  local full, short = lambda * (v - 1) % kk == 0, v % k == 0 and lambda * (v - k) % kk == 0
  if not full and not short then return nil end
  local tries = {}
  local groups = { { v } }
  for _, g in ipairs(A.noncyclic_groups(v, MAX_GROUPS)) do groups[#groups + 1] = g end
  for gi, g in ipairs(groups) do
    for _, s in ipairs(multiplier_subgroups(g, MULT_MAX_ORDER)) do
      tries[#tries + 1] = { group = g, m = s.m, e = s.e, rank = gi == 1 and 0 or 2,
                            what = string.format('%sdifference family in %s with multiplier %d '
                                                 .. '(order %d)', gi == 1 and 'cyclic ' or '',
                                                 group_name(g), s.m, s.e) }
    end
  end
  local p, n = A.prime_power(v)
  if p and n > 1 then
    local fg = field_group(v)
    for e = 2, MULT_MAX_ORDER do
      if (v - 1) % e == 0 then
        tries[#tries + 1] = { group = fg, m = (v - 1) // e, e = e, rank = 1, field = true,
                              what = string.format('difference family in GF(%d) with the '
                                                   .. 'multipliers of order %d', v, e) }
      end
    end
  end
  for i, t in ipairs(tries) do t.i = i end
  table.sort(tries, function(a, b)
    if a.e ~= b.e then return a.e < b.e end
    if a.rank ~= b.rank then return a.rank < b.rank end
    return a.i < b.i
  end)
  local left = MULT_TOTAL
  for _, t in ipairs(tries) do
    for kind = 0, 1 do
      if left <= 0 then return nil end
      if kind == 0 and full or kind == 1 and short then
        local base, used = core.search_multiplier(t.group, k, lambda, kind, t.m,
                                                  math.min(MULT_NODES, left), t.field)
        left = left - used
        if base then
          return develop_plan(t.what .. (kind == 1 and ' and a short orbit' or ''), t.group,
                              base, kind == 1 and lambda or 0)
        end
      end
    end
  end
end)

return C
