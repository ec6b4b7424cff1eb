-- helpers.lua - shared assertions of the tensor specs.
--
--   local H = dofile(spec_dir .. 'helpers.lua')
--   H.assert_close(actual, expected, rtol, atol)
--
-- actual and expected are tensors or numbers. Shapes must match exactly
-- (a number matches a 0-d tensor), then every element must satisfy
-- |a - e| <= atol + rtol * |e|; NaN equals NaN, +-inf equals itself. A
-- failure names the first mismatching (1-based) index and both values.
-- Values are read through t:totable(), the simplest path out of a tensor.
local iddl = iddl or require 'iddl'

local H = {}

local function is_nan(x) return x ~= x end

-- Shape of a tensor or number as a list, and its display ("2x3", "scalar").
local function shape_of(x)
  if type(x) == 'number' then return {} end
  return x:size()
end

function H.shape_str(shape)
  if #shape == 0 then return 'scalar' end
  local parts = {}
  for i, s in ipairs(shape) do parts[i] = tostring(s) end
  return table.concat(parts, 'x')
end

-- The elements of a tensor (or number) in row-major order, as a flat list.
function H.flatten(x)
  if type(x) == 'number' then return { x } end
  assert(iddl.is_tensor(x), 'flatten: expected a tensor or a number, got ' .. type(x))
  local nested = x:totable()
  if type(nested) == 'number' then return { nested } end
  local flat = {}
  local function walk(t, depth)
    if depth == x:dim() then
      flat[#flat + 1] = t
      return
    end
    for i = 1, #t do walk(t[i], depth + 1) end
  end
  walk(nested, 0)
  return flat
end

-- The 1-based multi-index of flat (1-based) position k in shape.
function H.unravel(shape, k)
  local idx, r = {}, k - 1
  for d = #shape, 1, -1 do
    idx[d] = r % shape[d] + 1
    r = r // shape[d]
  end
  return '[' .. table.concat(idx, ',') .. ']'
end

-- true if a and e agree within the tolerance (NaN equal to NaN).
function H.close(a, e, rtol, atol)
  if is_nan(a) or is_nan(e) then return is_nan(a) and is_nan(e) end
  if a == e then return true end -- also infinities of the same sign
  if a == math.huge or a == -math.huge or e == math.huge or e == -math.huge then
    return false
  end
  return math.abs(a - e) <= atol + rtol * math.abs(e)
end

-- Raises an error (a busted failure) unless actual and expected are close.
-- `what` (optional) prefixes the message.
function H.assert_close(actual, expected, rtol, atol, what)
  rtol, atol = rtol or 1e-5, atol or 0
  local prefix = what and (what .. ': ') or ''
  for _, x in ipairs { actual, expected } do
    if type(x) ~= 'number' and not iddl.is_tensor(x) then
      error(prefix .. 'assert_close: expected a tensor or a number, got '
            .. type(x), 2)
    end
  end
  local sa, se = shape_of(actual), shape_of(expected)
  local same = #sa == #se
  for i = 1, #sa do same = same and sa[i] == se[i] end
  if not same then
    error(string.format('%sshape %s, expected %s', prefix, H.shape_str(sa),
                        H.shape_str(se)), 2)
  end
  local fa, fe = H.flatten(actual), H.flatten(expected)
  if #fa ~= #fe then
    error(string.format('%s%d elements, expected %d', prefix, #fa, #fe), 2)
  end
  for k = 1, #fe do
    if not H.close(fa[k], fe[k], rtol, atol) then
      error(string.format('%sfirst mismatch at %s (element %d of %d): got %.9g, '
                          .. 'expected %.9g (|diff| %.3g > atol %g + rtol %g * |expected|)',
                          prefix, H.unravel(se, k), k, #fe, fa[k], fe[k],
                          math.abs(fa[k] - fe[k]), atol, rtol), 2)
    end
  end
  return true
end

-- Calls fn(...) and returns the error message; fails if fn does not raise.
function H.error_of(fn, ...)
  local ok, msg = pcall(fn, ...)
  if ok then error('expected an error, but the call succeeded', 2) end
  return tostring(msg)
end

-- Asserts that fn(...) raises an error whose message contains every one of
-- the plain strings in `parts` (a string or a list); returns the message.
function H.assert_error_contains(parts, fn, ...)
  local ok, msg = pcall(fn, ...)
  if ok then error('expected an error, but the call succeeded', 2) end
  msg = tostring(msg)
  if type(parts) == 'string' then parts = { parts } end
  for _, p in ipairs(parts) do
    if not msg:find(p, 1, true) then
      error(string.format('error message %q does not contain %q', msg, p), 2)
    end
  end
  return msg
end

-- The folder of the calling spec file (with a trailing slash).
function H.dir_of(level)
  local src = debug.getinfo((level or 1) + 1, 'S').source
  return src:match('^@(.*[/\\])') or './'
end

return H
