-- tensor_format: tostring(t) for tensors, in the Torch7 manner.
--
--   iddl> iddl.tensor{{1.5, -2}, {3, 4.25}}
--    1.5000 -2.0000
--    3.0000  4.2500
--   [iddl.Tensor of size 2x2]
--
-- Columns are aligned with one format for the whole tensor; a common scale
-- factor ("1e-05 *") is pulled out when magnitudes need it; tensors with more
-- than THRESHOLD elements show EDGE items at each end of every dimension with
-- "..." between; wide matrices are split into column blocks; tensors of more
-- than two dimensions print as 2-D slices headed "(i,j,.,.) =".
local M = {}

local THRESHOLD = 1000   -- elements above which dimensions are elided
local EDGE = 3           -- items kept at each end of an elided dimension
local LINE_WIDTH = 80

-- The indices shown along a dimension of the given size; false marks "...".
local function shown(size, elide)
  local idx = {}
  if elide and size > 2 * EDGE + 1 then
    for i = 1, EDGE do idx[#idx + 1] = i end
    idx[#idx + 1] = false
    for i = size - EDGE + 1, size do idx[#idx + 1] = i end
  else
    for i = 1, size do idx[i] = i end
  end
  return idx
end

-- Visits every shown element (as a number) of t.
local function each_shown(t, elide, fn)
  local dims = {}
  for d = 1, t:dim() do dims[d] = shown(t:size(d), elide) end
  local index = {}
  local function walk(d)
    if d > #dims then return fn(t[index]) end
    for _, i in ipairs(dims[d]) do
      if i then index[d] = i; walk(d + 1) end
    end
    index[d] = nil
  end
  walk(1)
end

local function is_finite(x) return x == x and x ~= math.huge and x ~= -math.huge end

-- Picks the element format for a tensor: returns fmt(x) -> string of fixed
-- width, and the scale header ("" when none).
local function choose_format(t, elide)
  local all_int, maxabs, minabs, any, special = true, 0, math.huge, false, false
  each_shown(t, elide, function(x)
    if not is_finite(x) then
      special = true
    else
      any = true
      local a = math.abs(x)
      if a > maxabs then maxabs = a end
      if a ~= 0 and a < minabs then minabs = a end
      if x ~= math.floor(x) then all_int = false end
    end
  end)
  local scale, header, spec = 1, '', nil
  if not any then
    spec = '%4s'
  elseif all_int and maxabs < 1e9 then
    local digits = maxabs > 0 and (math.floor(math.log(maxabs, 10)) + 1) or 1
    spec = '%' .. math.max(digits + 1, special and 4 or 0) .. '.0f'
  else
    local e = maxabs > 0 and math.floor(math.log(maxabs, 10)) or 0
    local emin = minabs < math.huge and math.floor(math.log(minabs, 10)) or e
    if e - emin > 4 then
      -- more than 4 decades apart (1e-05 next to 1): no fixed-point format
      -- shows both, so use Torch7's scientific one.
      spec = '%11.4e'
    elseif e >= 5 or e <= -5 or (minabs < 1e-4 and e < 0) then
      scale = 10 ^ e
      header = string.format(' 1e%+03d *\n', e)
      spec = '%8.4f'
    else
      local int_digits = math.max(e + 1, 1)
      spec = '%' .. (int_digits + 6) .. '.4f'
    end
  end
  local width = #string.format(spec, 0)
  local function fmt(x)
    if not is_finite(x) then
      local s = x ~= x and 'nan' or (x > 0 and 'inf' or '-inf')
      return string.rep(' ', math.max(width - #s, 0)) .. s
    end
    return string.format(spec, x / scale)
  end
  return fmt, header, width
end

-- Lines of a 2-D (or 1-D, as one column) tensor m, using fmt.
local function matrix_lines(m, elide, fmt, width, out)
  if m:dim() == 1 then
    for _, i in ipairs(shown(m:size(1), elide)) do
      out[#out + 1] = i and fmt(m[i]) or string.rep(' ', width - 3) .. '...'
    end
    return
  end
  local rows, cols = shown(m:size(1), elide), shown(m:size(2), elide)
  local per_block = math.max(1, math.floor(LINE_WIDTH / (width + 1)))
  for first = 1, #cols, per_block do
    local last = math.min(first + per_block - 1, #cols)
    if #cols > per_block then
      local a, b = cols[first] or cols[first + 1], cols[last] or cols[last - 1]
      out[#out + 1] = string.format('Columns %d to %d', a, b)
    end
    for _, i in ipairs(rows) do
      local cells = {}
      for c = first, last do
        local j = cols[c]
        if not i then cells[#cells + 1] = string.rep(' ', width - 3) .. '...'
        elseif not j then cells[#cells + 1] = string.rep(' ', width - 3) .. '...'
        else cells[#cells + 1] = fmt(m[{ i, j }]) end
      end
      out[#out + 1] = table.concat(cells, ' ')
    end
    if last < #cols then out[#out + 1] = '' end
  end
end

-- Formats tensor t as Torch7 does (values, then a size footer).
function M.format(t)
  local n, dim = t:numel(), t:dim()
  local footer = string.format('[iddl.Tensor of size %s]', t:shape_str())
  if dim == 0 then return string.format('%g\n', t:item()) .. footer end
  if n == 0 then return footer end
  local elide = n > THRESHOLD
  local fmt, header, width = choose_format(t, elide)
  local out = {}
  if header ~= '' then out[1] = header:sub(1, -2) end
  if dim <= 2 then
    matrix_lines(t, elide, fmt, width, out)
  else
    -- 2-D slices over the leading dimensions, e.g. "(2,1,.,.) =".
    local lead = {}
    local function walk(d, view)
      if d > dim - 2 then
        local head = {}
        for k = 1, dim - 2 do head[k] = tostring(lead[k]) end
        out[#out + 1] = '(' .. table.concat(head, ',') .. ',.,.) = '
        matrix_lines(view, elide, fmt, width, out)
        out[#out + 1] = ''
        return
      end
      for _, i in ipairs(shown(t:size(d), elide)) do
        if i then lead[d] = i; walk(d + 1, view:select(1, i))
        else out[#out + 1] = '...'; out[#out + 1] = '' end
      end
    end
    walk(1, t)
  end
  out[#out + 1] = footer
  return table.concat(out, '\n')
end

return M
