-- bibd/pbd.lua - plans of pairwise balanced designs PBD(v, K): blocks of
-- sizes in K on v points, every pair of points in exactly one block.
--
-- A set of block sizes K is {id = <memo key>, has = function(s) -> bool,
-- bibd = function(v, s) -> plan of a 2-(v,s,1) design or nil} (has is only
-- asked about s >= 2). plan(v, K, nontrivial) -> a plan
-- {v, sizes (the ascending list of block sizes it uses), name, build =
-- function() -> iddl.bibd.Pbd} or nil. The constructions, from arithmetic
-- only (memoised per K and v; nothing is built):
--   * one block of all v points, when v is in K (not when nontrivial);
--   * a truncated transversal design: TD(n, t) (t = a product of prime
--     powers q_i with n <= q_i + 1 for each: MacNeish), its last group cut
--     to u points (0 <= u <= t), e points at infinity added to every group,
--     and every group (t+e and u+e points) filled with a PBD(., K) unless
--     it has at most one point: v = (n-1)t + u + e, blocks of sizes n-1
--     (when u < t) and n (when u > 0), which must be in K. e = 0 or 1; or
--     e >= 2 in K when the PBDs on the groups have a block of size e (it
--     goes on the infinite points, once for all groups);
--   * a 2-(v, s, 1) design with s in K, when K.bibd(v, s) gives its plan
--     (only asked for when a block of size s is needed).
-- Every block size is below v in a nontrivial plan, so a caller whose K
-- asks about smaller designs recurses on smaller parameters only.
local core = require 'iddl.bibd_core'
local A = require 'iddl.bibd.arith'

local M = {}

local memo = {}                -- K.id -> v .. (nontrivial and '+' or '') -> plan | false

-- '{4,5,12}' for an ascending list
local function set_str(sizes)
  return '{' .. table.concat(sizes, ',') .. '}'
end

-- The ascending union of lists of sizes and extra single sizes.
local function union(lists, extra)
  local seen, out = {}, {}
  for _, l in ipairs(lists) do for _, s in ipairs(l) do seen[s] = true end end
  for _, s in ipairs(extra) do seen[s] = true end
  for s in pairs(seen) do out[#out + 1] = s end
  table.sort(out)
  return out
end

local trivial_plan        -- forward declarations
local td_plan

local function contains(list, x)
  for _, y in ipairs(list) do if y == x then return true end end
  return false
end

-- The plan of a PBD(w, K) with a block of exactly s points, or nil.
function M.plan_with_block(w, K, s)
  local mk = memo[K.id]
  if not mk then mk = {} memo[K.id] = mk end
  local key = w .. '/' .. s
  if mk[key] == nil then
    mk[key] = false
    local p = M.plan(w, K, true)
    if not (p and contains(p.sizes, s)) then
      p = nil
      local b = K.bibd and K.has(s) and K.bibd(w, s)
      if b then
        p = { v = w, sizes = { s }, name = b.name,
              build = function() return core.pbd_from_blocks(b.build()) end }
      end
    end
    mk[key] = p or false
  end
  return mk[key] or nil
end

-- The PBD on a group of w = size + e points (false: none needed, as w <=
-- 1 or, e >= 2, the group is the infinite points alone), or nil when
-- there is none.
local function group_plan(size, e, K)
  if size + e <= 1 or e >= 2 and size == 0 then return false end
  if e >= 2 then return M.plan_with_block(size + e, K, e) end
  return M.plan(size + e, K, false)
end

-- Truncated TD(n, t) with u points left in its last group and e points at
-- infinity, when its blocks and groups are all possible.
local function try_td(v, K, n, t, u, e)
  if n > core.td_max(t) then return nil end
  if u < t and not K.has(n - 1) or u > 0 and not K.has(n) then return nil end
  local full = group_plan(t, e, K)
  if full == nil then return nil end
  local last = group_plan(u, e, K)
  if last == nil then return nil end
  return td_plan(v, n, t, u, e, full, last)
end

-- The first truncated TD that gives a PBD(v, K): n ascending (n-1 or n
-- in K), e ascending (0, 1, then sizes in K), t descending.
local function td_candidates(v, K)
  local es = { 0, 1 }
  for e = 2, A.isqrt(v) do
    if K.has(e) then es[#es + 1] = e end
  end
  for n = 3, A.isqrt(v) + 2 do
    if K.has(n) or K.has(n - 1) then
      for _, e in ipairs(es) do
        -- v - e = (n-1)t + u with 0 <= u <= t: t from ceil((v-e)/n) to (v-e)/(n-1)
        local lo, hi = -(-(v - e) // n), (v - e) // (n - 1)
        for t = hi, math.max(lo, n - 1, 2), -1 do
          local u = v - e - (n - 1) * t
          local p = try_td(v, K, n, t, u, e)
          if p then return p end
        end
      end
    end
  end
end

function M.plan(v, K, nontrivial)
  local mk = memo[K.id]
  if not mk then mk = {} memo[K.id] = mk end
  local key = nontrivial and v .. '+' or v
  if mk[key] == nil then
    mk[key] = false
    local p = not nontrivial and v >= 2 and K.has(v) and trivial_plan(v)
    mk[key] = p or td_candidates(v, K) or false
  end
  return mk[key] or nil
end

function trivial_plan(v)
  return { v = v, sizes = { v }, name = string.format('one block of %d points', v),
           build = function() return core.pbd_trivial(v) end }
end

function td_plan(v, n, t, u, e, full, last)
  local extra = {}
  if u < t then extra[#extra + 1] = n - 1 end
  if u > 0 then extra[#extra + 1] = n end
  if e >= 2 then extra[#extra + 1] = e end
  local sizes = union({ full and full.sizes or {}, last and last.sizes or {} }, extra)
  local name = string.format('PBD(%d,%s) from TD(%d,%d)%s%s', v, set_str(sizes), n, t,
                             u < t and ' truncated to ' .. u or '',
                             e == 1 and ' plus a point' or e >= 2 and
                             string.format(' plus %d points (groups: %s)', e, full.name) or '')
  return { v = v, sizes = sizes, name = name,
           build = function()
             local fb = full and full.build() or nil
             local lb = last and (last == full and fb or last.build()) or nil
             return core.pbd_td(n, t, u, e, fb, lb)
           end }
end

return M
