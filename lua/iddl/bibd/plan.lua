-- bibd/plan.lua - how iddl builds a 2-(v,k,lambda) design, if it can.
--
-- plan(v, k, lambda) -> plan | nil, reason, status. A plan is
-- {name = <construction>, build = function() -> iddl.bibd.Blocks}. status
-- is 'impossible' (reason: the proof) or 'unknown'. Order of preference:
-- the cheap constructions of catalog.lua, then the complement of one, then
-- lambda/lambda0 copies of one (largest lambda0 first); then the product
-- of designs on v/w and w points; then (lambda = 1) the inflation of a
-- 2-((v-1)/(k-1), k', 1) design, then of a PBD on (v-1)/(k-1) points,
-- then a PBD on v points filled with designs (pbd.lua); then the same as
-- the first three with the searches for difference families. Results are memoised: a search
-- runs once per parameter set and Lua state.
local catalog = require 'iddl.bibd.catalog'
local A = require 'iddl.bibd.arith'
local N = require 'iddl.bibd.nonexist'
local PBD = require 'iddl.bibd.pbd'

local P = {}

local direct_memo = { cheap = {}, search = {} } -- tier -> 'v,k,lambda' -> plan | false

-- The first construction of the tier that builds (v, k, lambda).
local function direct(v, k, lambda, tier)
  local key = v .. ',' .. k .. ',' .. lambda
  local memo = direct_memo[tier]
  if memo[key] == nil then
    memo[key] = false
    for _, match in ipairs(catalog[tier]) do
      local p = match(v, k, lambda)
      if p then memo[key] = p break end
    end
  end
  return memo[key] or nil
end

-- A direct construction, or the complement of one.
local function direct_or_complement(v, k, lambda, r, b, tier)
  local p = direct(v, k, lambda, tier)
  if p then return p end
  local lc = b - 2 * r + lambda
  if v - k >= 2 and lc >= 1 and k < v then
    p = direct(v, v - k, lc, tier)
    if p then
      return { name = 'complement of ' .. p.name,
               build = function() return p.build():complement() end }
    end
  end
end

-- The plan of one tier: direct, complement, or copies of a smaller lambda
-- (every divisor of lambda with the cheap tier, largest first; only the
-- smallest admissible one with the searches, to bound their time).
local function resolve(v, k, lambda, tier)
  local r, b = N.counts(v, k, lambda)
  local p = direct_or_complement(v, k, lambda, r, b, tier)
  if p then return p end
  local divisors = A.divisors(lambda)              -- descending, below lambda
  if tier == 'search' then
    local smallest
    for _, l0 in ipairs(divisors) do
      if N.counts(v, k, l0) then smallest = l0 end
    end
    divisors = { smallest }
  end
  for _, l0 in ipairs(divisors) do
    local r0, b0 = N.counts(v, k, l0)
    if r0 then
      p = direct_or_complement(v, k, l0, r0, b0, tier)
      if p then
        local m = lambda // l0
        return { name = string.format('%d copies of %s', m, p.name),
                 build = function() return p.build():rep(m) end }
      end
    end
  end
end

local plan_memo = {}                -- 'v,k,lambda' -> {plan} | {nil, reason, status}

-- The product of designs on v/w and w points, w a prime power (k <= w+1).
local function product(v, k, lambda)
  for w = k, v // k do
    if v % w == 0 and A.prime_power(w) then
      local p2 = P.plan(w, k, lambda)
      local p1 = p2 and P.plan(v // w, k, lambda)
      if p1 then
        return { name = string.format('product of %s and %s', p1.name, p2.name),
                 build = function() return p1.build():product(p2.build()) end }
      end
    end
  end
end

-- lambda = 1: from a 2-(u, k', 1) design, u = (v-1)/(k-1), and a
-- 2-((k-1)k'+1, k, 1) design (each block of the first inflated into a copy
-- of the second around a common point).
local function inflate(v, k, lambda)
  if lambda ~= 1 or (v - 1) % (k - 1) ~= 0 then return nil end
  local u = (v - 1) // (k - 1)
  for kp = 3, u - 1 do
    if N.counts(u, kp, 1) and N.counts((k - 1) * kp + 1, k, 1) then
      local p2 = P.plan((k - 1) * kp + 1, k, 1)
      local p1 = p2 and P.plan(u, kp, 1)
      if p1 then
        return { name = string.format('%s inflated by %s', p1.name, p2.name),
                 build = function() return p1.build():inflate(p2.build()) end }
      end
    end
  end
end

-- A 2-(w, s, 1) design, as a PBD(w, {s}) for pbd.lua.
local function bibd_for_pbd(w, s)
  return s >= 2 and s < w and N.counts(w, s, 1) and P.plan(w, s, 1) or nil
end

-- The PBD size sets of pbd.lua, one per k: for inflation, the sizes s with
-- a 2-((k-1)s+1, k, 1) design; for filling, those with a 2-(s, k, 1) one.
local size_sets = { inflate = {}, fill = {} }
local function sizes_for(k, how)
  local sets = size_sets[how]
  if not sets[k] then
    local has
    if how == 'inflate' then
      has = function(s) return s >= 2 and P.plan((k - 1) * s + 1, k, 1) ~= nil end
    else
      has = function(s) return s >= k and P.plan(s, k, 1) ~= nil end
    end
    sets[k] = { id = how .. k, has = has, bibd = bibd_for_pbd }
  end
  return sets[k]
end

-- lambda = 1: a PBD(u, K) with more than one block, u = (v-1)/(k-1), K the
-- sizes s with a 2-((k-1)s+1, k, 1) design; its blocks inflated by those
-- designs (around a common point: pbd.lua, iddl_pbd_inflate).
local function pbd_inflate(v, k, lambda)
  if lambda ~= 1 or k < 3 or (v - 1) % (k - 1) ~= 0 then return nil end
  local u = (v - 1) // (k - 1)
  local p = PBD.plan(u, sizes_for(k, 'inflate'), true)
  if not p then return nil end
  local ds = {}
  for i, s in ipairs(p.sizes) do ds[i] = string.format('2-(%d,%d,1)', (k - 1) * s + 1, k) end
  return { name = string.format('%s, inflated by %s', p.name, table.concat(ds, ', ')),
           build = function()
             local designs = {}
             for _, s in ipairs(p.sizes) do
               designs[s] = P.plan((k - 1) * s + 1, k, 1).build()
             end
             return p.build():inflate(designs)
           end }
end

-- lambda = 1: a PBD(v, K) with more than one block, K the sizes s with a
-- 2-(s, k, 1) design, every block filled by one (Wilson's PBD closure).
local function pbd_fill(v, k, lambda)
  if lambda ~= 1 or k < 3 then return nil end
  local p = PBD.plan(v, sizes_for(k, 'fill'), true)
  if not p then return nil end
  local ds = {}
  for _, s in ipairs(p.sizes) do
    if s > k then ds[#ds + 1] = string.format('2-(%d,%d,1)', s, k) end
  end
  return { name = p.name .. (#ds > 0 and ', filled by ' .. table.concat(ds, ', ') or ''),
           build = function()
             local designs = {}
             for _, s in ipairs(p.sizes) do designs[s] = P.plan(s, k, 1).build() end
             return p.build():fill(designs)
           end }
end

function P.plan(v, k, lambda)
  local key = v .. ',' .. k .. ',' .. lambda
  local m = plan_memo[key]
  if not m then
    local why = N.impossible(v, k, lambda)
    if why then
      m = { nil, why, 'impossible' }
    else
      local p = resolve(v, k, lambda, 'cheap') or product(v, k, lambda)
                or inflate(v, k, lambda) or pbd_inflate(v, k, lambda)
                or pbd_fill(v, k, lambda)
                or resolve(v, k, lambda, 'search')
      m = p and { p } or { nil, 'unknown', 'unknown' }
    end
    plan_memo[key] = m
  end
  return m[1], m[2], m[3]
end

return P
