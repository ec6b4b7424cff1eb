-- bibd/nonexist.lua - proofs that a 2-(v,k,lambda) design cannot exist:
-- the divisibility conditions, Fisher's inequality, Bruck-Ryser-Chowla for
-- symmetric designs, the Hall-Connor theorem for quasi-residual designs
-- with lambda <= 2, designs shown not to exist by exhaustive search, and
-- all of these applied to the complementary design.
local A = require 'iddl.bibd.arith'

local N = {}

-- Designs known not to exist that no rule above excludes, with the source.
local KNOWN = {
  ['111,11,1'] = 'there is no projective plane of order 10 (Lam, Thiel and Swiercz, 1989)',
  ['46,6,1'] = 'there is no 2-(46,6,1) design (Houghten, Thiel, Janssen and Lam, 2001)',
  ['22,8,4'] = 'there is no 2-(22,8,4) design (exhaustive search: Bilous, Lam, Thiel, Li, '
               .. 'van Rees, Radziszowski, Holzmann and Kharaghani, 2007)',
}

-- counts(v, k, lambda) -> r, b, or nil and the reason they are not
-- integers (k = v: the trivial design, r = b = lambda).
function N.counts(v, k, lambda)
  if k == v then return lambda, lambda end
  if lambda * (v - 1) % (k - 1) ~= 0 then
    return nil, string.format('r = lambda(v-1)/(k-1) = %d/%d is not an integer',
                              lambda * (v - 1), k - 1)
  end
  local r = lambda * (v - 1) // (k - 1)
  if v * r % k ~= 0 then
    return nil, string.format('b = vr/k = %d/%d is not an integer', v * r, k)
  end
  return r, v * r // k
end

-- Bruck-Ryser-Chowla for a symmetric 2-(v,k,lambda) design: a reason when
-- it rules the design out, else nil.
local function brc(v, k, lambda)
  local n = k - lambda
  if v % 2 == 0 then
    if A.isqrt(n) * A.isqrt(n) ~= n then
      return string.format('Bruck-Ryser-Chowla: the design is symmetric with v = %d even, '
                           .. 'and k - lambda = %d is not a square', v, n)
    end
    return nil
  end
  local b = ((v - 1) // 2) % 2 == 0 and lambda or -lambda
  if not A.legendre_solvable(n, b) then
    local by = math.abs(b) == 1 and 'y^2' or math.abs(b) .. ' y^2'
    return string.format('Bruck-Ryser-Chowla: the design is symmetric with v = %d odd, and '
                         .. 'z^2 = %d x^2 %s %s has no solution in integers not all 0',
                         v, n, b < 0 and '-' or '+', by)
  end
  return nil
end

-- The rules other than divisibility, for admissible (v,k,lambda) with r, b.
local function rules(v, k, lambda, r, b, parent)
  if k < v and b < v then
    return string.format("Fisher's inequality b >= v fails (b = %d, v = %d)", b, v)
  end
  if k < v and b == v then
    local why = brc(v, k, lambda)
    if why then return why end
  end
  local why = KNOWN[v .. ',' .. k .. ',' .. lambda]
  if why then return why end
  -- Hall and Connor (1954): a quasi-residual design (r = k + lambda) with
  -- lambda <= 2 is the residual of a symmetric (v+r, r, lambda) design.
  if parent and lambda <= 2 and r == k + lambda then
    local p = N.impossible(v + r, r, lambda, true)
    if p then
      return string.format('it would be the residual of a symmetric 2-(%d,%d,%d) design '
                           .. '(Hall and Connor 1954, lambda <= 2), which cannot exist: %s',
                           v + r, r, lambda, p)
    end
  end
  return nil
end

-- impossible(v, k, lambda) -> a reason (string) when no 2-(v,k,lambda)
-- design exists, else nil. Needs 2 <= k <= v, lambda >= 1.
function N.impossible(v, k, lambda, nested)
  local r, b = N.counts(v, k, lambda)
  if not r then return b end
  local why = rules(v, k, lambda, r, b, not nested)
  if why or nested or v - k < 2 then return why end
  local lc = b - 2 * r + lambda             -- the complement's lambda
  if lc >= 1 then
    why = rules(v, v - k, lc, b - r, b, true)
    if why then
      return string.format('its complement, a 2-(%d,%d,%d) design, cannot exist: %s',
                           v, v - k, lc, why)
    end
  end
  return nil
end

return N
