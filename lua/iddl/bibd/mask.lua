-- bibd/mask.lua - 0/1 connectivity masks (b_out x v_in) for sparse layers.
--
--   mask.design(v_in, b_out)  from a true design fitted to the layer
--   mask.paper(v_in, b_out)   the seed's construction, defects included
--   mask.random(base, seed)   random positions, same fan-in per output as base
--
-- Row o of a mask is output o; a 1 in column i connects input i to it.
local core = require 'iddl.core'
local dc = require 'iddl.data_core'
local bcore = require 'iddl.bibd_core'
local A = require 'iddl.bibd.arith'
local plan = require 'iddl.bibd.plan'
local N = require 'iddl.bibd.nonexist'

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

-- A simple 2-(v, k, lambda) design with b blocks (no block twice), for
-- the smallest k that has one, or nil. Only b >= v can fit (Fisher).
local function exact_design(v, b)
  for k = 2, v - 1 do
    local num, den = b * k * (k - 1), v * (v - 1)
    if num % den == 0 and num // den <= 1 << 20 then
      local lambda = num // den
      local r = N.counts(v, k, lambda)
      local p = r and b * k <= 1 << 22 and plan.plan(v, k, lambda)
      if p then
        local built = p.build()
        if not built:has_repeats() and built:check(lambda) then return built, p.name end
      end
    end
  end
end

-- '1 line', '3 lines', '2 parallel classes'
local function plural(n, word)
  return n .. ' ' .. word .. (n == 1 and '' or word:sub(-1) == 's' and 'es' or 's')
end

-- The smallest prime power q with q^2 >= v.
local function plane_order(v)
  local q = math.max(2, A.isqrt(v - 1) + 1)
  while q * q < v do q = q + 1 end
  while not A.prime_power(q) do q = q + 1 end
  return q
end

-- mask.design(v_in, b_out) -> (b_out, v_in) mask, description. The rule
-- (doc/bibd.md, "Masks"):
--  1. b_out >= v_in and a design on v_in points with b_out blocks exists
--     with no repeated block: its incidence (smallest k first).
--  2. else, q = the smallest prime power with q^2 >= v_in: if b_out < q,
--     one parallel class: the inputs cut into b_out runs of consecutive
--     inputs, sizes floor or ceil of v_in/b_out.
--  3. else the lines of AG(2,q) on the points 1..v_in (the q^2 - v_in
--     points dropped are the last ones, which lie on the last lines x = c,
--     so every line y = m x + t loses the same number, give or take one):
--     whole parallel classes y = m x + t, m = 0, 1, ... in turn, the class
--     x = c last and only when no point is dropped, cycled when b_out is
--     larger than all of them.
function mask.design(v_in, b_out)
  check_size('mask', 'v_in', v_in)
  check_size('mask', 'b_out', b_out)
  local rows, what = {}, nil
  local built, name
  if v_in >= 3 and b_out >= v_in then built, name = exact_design(v_in, b_out) end
  local q = plane_order(v_in)
  if built then
    rows = built:totable()
    what = 'design ' .. name
  elseif v_in == 1 then
    for o = 1, b_out do rows[o] = { 1 } end
    what = 'every output on the only input'
  elseif b_out < q then
    for o = 1, b_out do
      local row = {}
      for i = (o - 1) * v_in // b_out + 1, o * v_in // b_out do row[#row + 1] = i end
      rows[o] = row
    end
    what = string.format('one parallel class: %s of consecutive inputs', plural(b_out, 'run'))
  else
    local lines, classes = bcore.affine(2, q, 1):totable()
    local nclass = v_in == q * q and q + 1 or q
    for o = 0, b_out - 1 do
      local row = {}
      for _, p in ipairs(lines[classes[(o // q) % nclass + 1][o % q + 1]]) do
        if p <= v_in then row[#row + 1] = p end
      end
      rows[o + 1] = row
    end
    what = string.format('AG(2,%d) lines: %s%s%s%s', q, plural(b_out // q, 'parallel class'),
                         b_out % q > 0 and ' + ' .. plural(b_out % q, 'line') or '',
                         b_out > nclass * q and string.format(' (cycling through %d of the %d '
                                                              .. 'classes)', nclass, q + 1) or '',
                         v_in < q * q and ', ' .. plural(q * q - v_in, 'point') .. ' dropped' or '')
  end
  return bcore.incidence(rows, v_in), what
end

return mask
