-- bibd/arith.lua - integer arithmetic for design parameters: prime powers,
-- exact roots, Gaussian binomials, and the solvability of Legendre's
-- equation z^2 = a x^2 + b y^2 (for Bruck-Ryser-Chowla) by Hilbert symbols.
local core = require 'iddl.bibd_core'

local A = {}

-- prime_power(q) -> p, n when q = p^n (n >= 1), else nil.
function A.prime_power(q)
  if math.type(q) ~= 'integer' or q < 2 then return nil end
  return core.prime_power(q)
end

-- root(x, d) -> the integer y with y^d = x, or nil (x >= 1, d >= 1).
function A.root(x, d)
  local y = math.floor(x ^ (1 / d) + 0.5)
  for c = math.max(1, y - 1), y + 1 do
    local p = 1
    for _ = 1, d do p = p * c end
    if p == x then return c end
  end
  return nil
end

-- log(x, q) -> the integer n >= 0 with q^n = x, or nil (q >= 2).
function A.log(x, q)
  local n, p = 0, 1
  while p < x do p, n = p * q, n + 1 end
  return p == x and n or nil
end

-- gaussian(n, m, q) -> the Gaussian binomial [n, m]_q (number of
-- m-dimensional subspaces of GF(q)^n), or math.huge when above 2^53.
function A.gaussian(n, m, q)
  if m < 0 or m > n then return 0 end
  local num, den = 1, 1
  for i = 0, m - 1 do
    num = num * (q ^ (n - i) - 1)
    den = den * (q ^ (i + 1) - 1)
  end
  local r = num / den
  if r > 2 ^ 53 then return math.huge end
  return math.floor(r + 0.5)
end

-- projective(n, q) -> (q^(n+1) - 1)/(q - 1), points of PG(n,q).
function A.projective(n, q)
  return (math.floor(q ^ (n + 1) + 0.5) - 1) // (q - 1)
end

-- binomial(n, m) -> C(n, m), or math.huge when above 2^53.
function A.binomial(n, m)
  if m < 0 or m > n then return 0 end
  m = math.min(m, n - m)
  local r = 1
  for i = 1, m do
    r = r * (n - m + i) / i
    if r > 2 ^ 53 then return math.huge end
  end
  return math.floor(r + 0.5)
end

-- noncyclic_groups(n, max) -> up to max abelian groups of order n other
-- than Z_n, each a list of prime-power moduli (Z_3 x Z_3 x Z_5 = {3, 3, 5}):
-- for every prime, a partition of its exponent, at least one not trivial.
function A.noncyclic_groups(n, max)
  local primes, x, p = {}, n, 2
  while p * p <= x do
    if x % p == 0 then
      local e = 0
      while x % p == 0 do x, e = x // p, e + 1 end
      primes[#primes + 1] = { p, e }
    end
    p = p + 1
  end
  if x > 1 then primes[#primes + 1] = { x, 1 } end
  local function partitions(e, top, acc, out)   -- descending parts <= top
    if e == 0 then out[#out + 1] = { table.unpack(acc) } return out end
    for part = math.min(e, top), 1, -1 do
      acc[#acc + 1] = part
      partitions(e - part, part, acc, out)
      acc[#acc] = nil
    end
    return out
  end
  local groups = { {} }
  for _, pe in ipairs(primes) do
    local next = {}
    for _, g in ipairs(groups) do
      for _, parts in ipairs(partitions(pe[2], pe[2], {}, {})) do
        local h = { table.unpack(g) }
        for _, part in ipairs(parts) do h[#h + 1] = math.floor(pe[1] ^ part + 0.5) end
        next[#next + 1] = h
      end
    end
    groups = next
  end
  local out = {}
  for _, g in ipairs(groups) do
    if #g > #primes and #out < max then out[#out + 1] = g end
  end
  return out
end

-- divisors(n) -> the divisors of n (n >= 1) smaller than n, descending.
function A.divisors(n)
  local small, large = {}, {}
  local d = 1
  while d * d <= n do
    if n % d == 0 then
      small[#small + 1] = d
      if d * d ~= n then large[#large + 1] = n // d end
    end
    d = d + 1
  end
  local out = {}
  for i = 2, #large do out[#out + 1] = large[i] end    -- large[1] = n itself
  for i = #small, 1, -1 do
    if small[i] ~= n then out[#out + 1] = small[i] end
  end
  return out
end

-- isqrt(x) -> floor(sqrt(x)) for x >= 0.
function A.isqrt(x)
  local y = math.floor(math.sqrt(x))
  while y * y > x do y = y - 1 end
  while (y + 1) * (y + 1) <= x do y = y + 1 end
  return y
end

-- The distinct prime factors of |x| (x ~= 0), ascending.
local function primes_of(x)
  x = math.abs(x)
  local ps, p = {}, 2
  while p * p <= x do
    if x % p == 0 then
      ps[#ps + 1] = p
      while x % p == 0 do x = x // p end
    end
    p = p + 1
  end
  if x > 1 then ps[#ps + 1] = x end
  return ps
end

local function powmod(a, e, m)
  local r = 1
  a = a % m
  while e > 0 do
    if e % 2 == 1 then r = r * a % m end
    a, e = a * a % m, e // 2
  end
  return r
end

-- The Hilbert symbol (a, b)_p of nonzero integers at the prime p (Serre,
-- "A Course in Arithmetic", ch. III, thm 1): 1 or -1.
local function hilbert(a, b, p)
  local function split(x)
    local e = 0
    while x % p == 0 do x, e = x // p, e + 1 end
    return e, x
  end
  local al, u = split(a)
  local be, w = split(b)
  if p == 2 then
    local function eps(x) return ((x - 1) // 2) % 2 end
    local function omega(x) return ((x * x - 1) // 8) % 2 end
    return (eps(u) * eps(w) + al * omega(w) + be * omega(u)) % 2 == 0 and 1 or -1
  end
  local function legendre(x) return powmod(x, (p - 1) // 2, p) == 1 and 1 or -1 end
  local s = 1
  if al % 2 == 1 and be % 2 == 1 and p % 4 == 3 then s = -s end
  if be % 2 == 1 then s = s * legendre(u) end
  if al % 2 == 1 then s = s * legendre(w) end
  return s
end

-- legendre_solvable(a, b) -> whether z^2 = a x^2 + b y^2 has a solution in
-- integers not all 0 (a, b nonzero): the Hilbert symbol (a, b) is 1 at
-- every place (the real one and the primes dividing 2ab; it is 1 at the
-- others).
function A.legendre_solvable(a, b)
  if a < 0 and b < 0 then return false end
  for _, ps in ipairs{{2}, primes_of(a), primes_of(b)} do
    for _, p in ipairs(ps) do
      if hilbert(a, b, p) ~= 1 then return false end
    end
  end
  return true
end

return A
