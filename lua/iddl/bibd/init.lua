-- iddl.bibd: balanced incomplete block designs and the sparse-layer masks
-- built from them (see doc/bibd.md).
--
--   design(v, k, lambda)      a 2-(v,k,lambda) design, or nil, reason
--   exists(v, k, lambda)      true, construction | false, reason | nil, 'unknown'
--   verify(blocks, v, k, lambda)   true | false, reason (blocks or a b x v tensor)
--   mask(v_in, b_out, method, opts) (b_out, v_in) 0/1 connectivity mask
--   report(mask), plot(mask_or_design, opts)
local core = require 'iddl.core'
local bcore = require 'iddl.bibd_core'
local masks = require 'iddl.bibd.mask'
local plan = require 'iddl.bibd.plan'
local Design = require 'iddl.bibd.design'
local report = require 'iddl.bibd.report'

local bibd = {}

-- Largest b*k that design() turns into Lua tables (~70 MB of them).
bibd.MAX_ENTRIES = 1 << 22
local MAX_PARAM = 1 << 20

-- Reads argument `what` of fn as an integer in [lo, MAX_PARAM] (an
-- integral float is accepted); raises naming it otherwise.
local function int_arg(fn, what, x, lo)
  local n = type(x) == 'number' and math.tointeger(x)
  if not n then
    error(string.format('iddl.bibd.%s: %s must be an integer, got %s', fn, what,
                        type(x) == 'number' and tostring(x) or type(x)), 4)
  end
  if n < lo then
    error(string.format('iddl.bibd.%s: %s must be >= %d, got %d', fn, what, lo, n), 4)
  end
  if n > MAX_PARAM then
    error(string.format('iddl.bibd.%s: %s must be <= %d, got %d', fn, what, MAX_PARAM, n), 4)
  end
  return n
end

-- Checks v, k, lambda (2 <= k <= v, lambda >= 1) and returns them.
local function params(fn, v, k, lambda)
  v, k, lambda = int_arg(fn, 'v', v, 2), int_arg(fn, 'k', k, 2), int_arg(fn, 'lambda', lambda, 1)
  if k > v then
    error(string.format('iddl.bibd.%s: k must be <= v, got k=%d > v=%d', fn, k, v), 3)
  end
  return v, k, lambda
end

-- iddl.bibd.exists(v, k, lambda) -> true, construction (iddl can build one)
-- | false, reason (a proof that none exists) | nil, 'unknown'.
function bibd.exists(v, k, lambda)
  v, k, lambda = params('exists', v, k, lambda)
  local p, why, status = plan.plan(v, k, lambda)
  if p then return true, p.name end
  if status == 'impossible' then return false, why end
  return nil, 'unknown'
end

-- iddl.bibd.design(v, k, lambda) -> design (see bibd/design.lua), or nil and
-- the reason: no such design exists (with the proof), iddl knows no
-- construction, or it has more than bibd.MAX_ENTRIES point-block incidences.
-- Every design is checked (all pairs counted) before it is returned.
function bibd.design(v, k, lambda)
  v, k, lambda = params('design', v, k, lambda)
  local p, why, status = plan.plan(v, k, lambda)
  if not p then
    if status == 'impossible' then
      return nil, string.format('no 2-(%d,%d,%d) design exists: %s', v, k, lambda, why)
    end
    return nil, string.format('unknown: iddl has no construction of a 2-(%d,%d,%d) design '
                              .. 'and no proof that none exists', v, k, lambda)
  end
  local r, b = require('iddl.bibd.nonexist').counts(v, k, lambda)
  if b * k > bibd.MAX_ENTRIES then
    return nil, string.format('too large: the 2-(%d,%d,%d) design (%s) has b*k = %d '
                              .. 'point-block incidences, design() builds at most %d',
                              v, k, lambda, p.name, b * k, bibd.MAX_ENTRIES)
  end
  local built = p.build()
  local ok, bad = built:check(lambda)
  if not ok then
    error(string.format('iddl.bibd.design: internal error: %s gave no 2-(%d,%d,%d) design: %s',
                        p.name, v, k, lambda, bad), 2)
  end
  return Design.new(v, k, lambda, r, b, built, p.name)
end

-- iddl.bibd.verify(blocks, v, k, lambda) -> true | false, reason. blocks is
-- a list of lists of 1-based points or a (b, v) 0/1 tensor (rows = blocks).
-- Checks block sizes, that every point is in r blocks and every pair of
-- points (including pairs that never meet) in exactly lambda blocks.
function bibd.verify(blocks, v, k, lambda)
  v, k, lambda = params('verify', v, k, lambda)
  if core.is_tensor(blocks) then
    if blocks:dim() ~= 2 or blocks:size(2) ~= v then
      local shape = blocks:dim() == 2 and string.format('(%d, %d)', blocks:size(1), blocks:size(2))
                    or blocks:shape_str()
      error(string.format('iddl.bibd.verify: the incidence tensor has shape %s, expected '
                          .. '(b, %d) for v=%d', shape, v, v), 2)
    end
    return bcore.check_incidence(blocks, k, lambda)
  end
  if type(blocks) ~= 'table' then
    error('iddl.bibd.verify: expected a list of blocks or a (b, v) tensor, got '
          .. type(blocks), 2)
  end
  return bcore.check_blocks(blocks, v, k, lambda)
end

-- iddl.bibd.mask(v_in, b_out [, method [, opts]]) -> (b_out, v_in) 0/1
-- tensor (row = output unit, column = input), and a string naming how it
-- was built. method 'design' (default): from a true design chosen to fit
-- the layer (doc/bibd.md gives the rule); 'paper': the seed's construction;
-- 'random': the per-output fan-in of the mask named by opts.like (default
-- 'design') at positions drawn with opts.seed (default: drawn from iddl's
-- generator).
function bibd.mask(v_in, b_out, method, opts)
  method, opts = method or 'design', opts or {}
  if method == 'design' then return masks.design(v_in, b_out) end
  if method == 'paper' then return masks.paper(v_in, b_out), 'paper (the seed\'s mask)' end
  if method == 'random' then
    local like = opts.like or 'design'
    if like ~= 'design' and like ~= 'paper' then
      error(string.format("iddl.bibd.mask: opts.like must be 'design' or 'paper', got '%s'",
                          tostring(like)), 2)
    end
    local seed = opts.seed or math.floor(core.randint(0, 1 << 30, 1)[1])
    return masks.random(bibd.mask(v_in, b_out, like), seed),
           string.format("random, fan-in of '%s', seed %d", like, seed)
  end
  error(string.format("iddl.bibd.mask: unknown method '%s' (expected 'design', 'paper' or "
                      .. "'random')", tostring(method)), 2)
end

-- iddl.bibd.report(mask) -> the structure of a (b, v) 0/1 mask; see
-- bibd/report.lua.
bibd.report = report.report

-- iddl.bibd.plot(mask_or_design [, opts]): draws the incidence matrix; see
-- bibd/report.lua.
bibd.plot = report.plot

return bibd
