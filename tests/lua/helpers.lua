-- helpers.lua - shared helpers of the specs: tensor comparison and error
-- assertions, golden-file loading and comparison (H.golden,
-- H.assert_golden_*), finite-difference gradient checks (H.gradcheck,
-- H.check_grad), the no-allocation check and file reading.
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

-- Runs step() once (to warm up), then n more times (default 200) with the
-- garbage collector stopped; fails if those n steps grew the Lua heap by
-- 1 KiB or more.
function H.assert_allocates_nothing(step, n)
  n = n or 200
  step()
  collectgarbage('collect')
  collectgarbage('stop')
  local before = collectgarbage('count')
  local ok, err = pcall(function() for _ = 1, n do step() end end)
  local grown = collectgarbage('count') - before
  collectgarbage('restart')
  if not ok then error(err, 0) end
  if grown >= 1 then
    error(string.format('allocated %s KiB in %d steps', grown, n), 2)
  end
end

-- The size in bytes of the file at path, 0 when it cannot be opened.
function H.size_of(path)
  local f = io.open(path, 'rb')
  if not f then return 0 end
  local n = f:seek('end')
  f:close()
  return n
end

-- The whole content of the file at path, as a byte string.
function H.read_file(path)
  local f = assert(io.open(path, 'rb'))
  local s = f:read('a')
  f:close()
  return s
end

-- Golden files ---------------------------------------------------------------

-- The cases of tests/golden/<name>/cases.lua and a loader of that folder's
-- .npy files: local cases, load = H.golden('nn'); load(c.input) -> tensor.
function H.golden(name)
  local dir = H.dir_of() .. '../golden/' .. name .. '/'
  return dofile(dir .. 'cases.lua'), function(file) return iddl.npy.load(dir .. file) end
end

-- Runs m forward on golden record c (fields input, output, grad_output,
-- grad_input: .npy files read with load), zeroes the gradients, runs it
-- backward and compares output and gradInput within rtol/atol. `what`
-- (optional) prefixes the messages.
function H.assert_golden_forward_backward(m, c, load, rtol, atol, what)
  local prefix = what and (what .. ' ') or ''
  local x = load(c.input)
  H.assert_close(m:forward(x), load(c.output), rtol, atol, prefix .. 'output')
  m:zero_grad()
  H.assert_close(m:backward(x, load(c.grad_output)), load(c.grad_input), rtol, atol,
                 prefix .. 'gradInput')
end

-- Compares m's gradient fields with the golden files of `grads` ({ gradWeight
-- = file, ... }) and requires one file per parameter of m.
function H.assert_golden_grads(m, grads, load, rtol, atol)
  local n = 0
  for gname, file in pairs(grads) do
    H.assert_close(m[gname], load(file), rtol, atol, gname)
    n = n + 1
  end
  local params = m:parameters()
  if n ~= #params then
    error(string.format('%d golden gradients for %d parameters', n, #params), 2)
  end
end

-- Finite-difference gradient checks ------------------------------------------
-- Central differences in float32 with eps 1e-2; agreement within
-- |analytic - numeric| <= 2e-3 + 1e-2 * |numeric| (eps, rtol, atol options).

-- sum(out .* r) for a tensor or a list of tensors (nil r[i] skips out[i]).
local function dot(out, r)
  if iddl.is_tensor(out) then return (out * r):sum() end
  local s = 0
  for i, o in ipairs(out) do if r[i] then s = s + (o * r[i]):sum() end end
  return s
end

-- A random normal tensor (or list of them) shaped like out.
local function randn_like(out)
  if iddl.is_tensor(out) then return iddl.randn(out:size()) end
  local r = {}
  for i, o in ipairs(out) do r[i] = randn_like(o) end
  return r
end

-- Compares `analytic` (a tensor shaped like target) with the central
-- differences of f() when the elements of `target` are perturbed in place.
-- opts.max (default 40) elements are checked: the first ones, or with
-- opts.spread every (numel // max)-th one over the whole tensor. Raises an
-- error naming `what`, the element and both values on disagreement; returns
-- the number of elements checked.
function H.check_grad(what, target, analytic, f, opts)
  opts = opts or {}
  local eps, rtol, atol = opts.eps or 1e-2, opts.rtol or 1e-2, opts.atol or 2e-3
  local max = opts.max or 40
  local flat, a = target:view(-1), analytic:contiguous():view(-1)
  local n = flat:numel()
  local last, step = math.min(n, max), 1
  if opts.spread then last, step = n, math.max(1, n // max) end
  local checked = 0
  for k = 1, last, step do
    local v = flat[k]
    flat[k] = v + eps
    local lp = f()
    flat[k] = v - eps
    local lm = f()
    flat[k] = v
    local num = (lp - lm) / (2 * eps)
    if math.abs(a[k] - num) > atol + rtol * math.abs(num) then
      error(string.format('%s element %d: analytic %.6g, numeric %.6g', what, k,
                          a[k], num), 2)
    end
    checked = checked + 1
  end
  return checked
end

-- Checks module m at input x: gradInput and every parameter gradient
-- against central differences of L = sum(output .* r), r random normal
-- (opts.r: a given gradOutput, a list for table outputs). opts.seed reseeds
-- before every forward (Dropout); other opts go to H.check_grad. Fails if
-- no element of the input was checked; returns the number of parameters.
function H.gradcheck(m, x, opts)
  opts = opts or {}
  local function fwd()
    if opts.seed then iddl.manual_seed(opts.seed) end
    return m:forward(x)
  end
  local r = opts.r or randn_like(fwd())
  local function L() return dot(fwd(), r) end
  fwd()
  m:zero_grad()
  local gi = m:backward(x, r)
  gi = iddl.is_tensor(gi) and gi:clone() or gi
  local params, grads = m:parameters()
  local saved = {}
  for i, g in ipairs(grads) do saved[i] = g:clone() end
  if H.check_grad('gradInput', x, gi, L, opts) == 0 then
    error('gradcheck: the input has no element to check', 2)
  end
  for i, p in ipairs(params) do H.check_grad('parameter ' .. i, p, saved[i], L, opts) end
  return #params
end

return H
