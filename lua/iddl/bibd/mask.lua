-- bibd/mask.lua - 0/1 connectivity masks (b_out x v_in) for sparse layers.
--
--   mask.paper(v_in, b_out)   the seed's construction, defects included
--   mask.random(base, seed)   random positions, same fan-in per output as base
--
-- Row o of a mask is output o; a 1 in column i connects input i to it.
local core = require 'iddl.core'
local dc = require 'iddl.data_core'

local mask = {}

-- Checks that n is an integer >= 1; `what` names it in the error.
local function check_size(fn, what, n)
  if math.type(n) ~= 'integer' or n < 1 then
    error(string.format('iddl.bibd.%s: %s must be an integer >= 1, got %s',
                        fn, what, tostring(n)), 3)
  end
end
mask.check_size = check_size

-- The seed's lines of the "affine plane" over Z_q (a true plane only when q
-- is prime), in its row order: q horizontal lines, q vertical ones, then for
-- slope k = 1..q-1 the q lines {q*i + (k*i + n) mod q : i}. Returns a list
-- of q(q+1) lists of 0-based points.
local function seed_lines(q)
  local lines = {}
  for m = 0, q - 1 do                       -- rows 0..q-1: point q*m + j
    local l = {}
    for j = 0, q - 1 do l[#l + 1] = q * m + j end
    lines[#lines + 1] = l
  end
  for m = 0, q - 1 do                       -- rows q..2q-1: point m + q*n
    local l = {}
    for n = 0, q - 1 do l[#l + 1] = m + q * n end
    lines[#lines + 1] = l
  end
  for k = 1, q - 1 do                       -- the seed's transposed grids
    for n = 0, q - 1 do
      local l = {}
      for i = 0, q - 1 do l[#l + 1] = (k * i + n) % q + q * i end
      lines[#lines + 1] = l
    end
  end
  return lines
end

-- The seed's generate_fake_bibd_mask(v, b): q = ceil(sqrt(v_in)), the lines
-- above as rows, the first v_in columns kept and the rows cycled mod q(q+1).
-- Returns a (b_out, v_in) 0/1 tensor.
function mask.paper(v_in, b_out)
  check_size('mask', 'v_in', v_in)
  check_size('mask', 'b_out', b_out)
  local q = math.ceil(math.sqrt(v_in))
  while q * q < v_in do q = q + 1 end       -- guard against sqrt rounding
  while (q - 1) * (q - 1) >= v_in do q = q - 1 end
  local lines = seed_lines(q)
  local m = core.zeros(b_out, v_in)
  for o = 1, b_out do
    local row = m[o]
    for _, p in ipairs(lines[(o - 1) % #lines + 1]) do
      if p < v_in then row[p + 1] = 1 end
    end
  end
  return m
end

-- A mask with the same shape and the same fan-in per output as `base`,
-- at random positions: row o keeps the first k_o entries of a permutation
-- of the inputs drawn from a private generator (seed, stream o), so the
-- global generator is untouched and a seed always gives the same mask.
function mask.random(base, seed)
  local b_out, v_in = base:size(1), base:size(2)
  local fan_in = base:sum(2)
  local m = core.zeros(b_out, v_in)
  local perm = core.empty(v_in)
  for o = 1, b_out do
    dc.permutation(v_in, seed, o, perm)
    local row = m[o]
    for j = 1, math.floor(fan_in[o] + 0.5) do row[math.floor(perm[j])] = 1 end
  end
  return m
end

return mask
