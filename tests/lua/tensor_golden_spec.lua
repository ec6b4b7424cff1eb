-- tensor_golden_spec.lua - every case of tests/golden/cases.lua (made by
-- tests/gen_golden.py from NumPy) run through iddl and compared with the
-- expected arrays, shape first, then values within the case's tolerance.
local iddl = iddl or require 'iddl'

local here = debug.getinfo(1, 'S').source:match('^@(.*[/\\])') or './'
local H = dofile(here .. 'helpers.lua')
local GOLDEN = here .. '../golden/'

local function load(file) return iddl.npy.load(GOLDEN .. file) end

-- Applies a list of method calls {name, args...} to t; table arguments of
-- 'index' are used as t[spec].
local function apply_steps(t, steps)
  for _, step in ipairs(steps) do
    local name = step[1]
    if name == 'index' then
      t = t[step[2]]
    else
      local method = t[name]
      assert(type(method) == 'function', 'no tensor method ' .. tostring(name))
      t = method(t, table.unpack(step, 2))
    end
    assert(iddl.is_tensor(t), name .. ' did not return a tensor')
  end
  return t
end

local OPERATOR = {
  add = function(a, b) return a + b end,
  sub = function(a, b) return a - b end,
  mul = function(a, b) return a * b end,
  div = function(a, b) return a / b end,
  pow = function(a, b) return a ^ b end,
}

-- Binary operation in the case's form; returns the result (and checks that an
-- in-place form returns its receiver).
local function binary(op, ins, args)
  local a = ins[1]
  local b = args.scalar
  if b == nil then b = ins[2] end
  local form = args.form or 'method'
  if args.scalar_first then
    assert(form ~= 'inplace' and form ~= 'method', 'scalar_first needs an operator or function')
    if form == 'operator' then return OPERATOR[op](b, a) end
    return iddl[op](b, a)
  end
  if form == 'operator' then
    return OPERATOR[op](a, b)
  elseif form == 'function' then
    return iddl[op](a, b)
  elseif form == 'method' then
    if args.alpha then return a[op](a, b, args.alpha) end
    return a[op](a, b)
  elseif form == 'inplace' then
    local r
    if args.alpha then r = a[op .. '_'](a, b, args.alpha) else r = a[op .. '_'](a, b) end
    assert(rawequal(r, a), op .. '_ did not return its receiver')
    return a
  end
  error('unknown form ' .. tostring(form))
end

local function unary(op, ins, args)
  local a, form = ins[1], args.form or 'method'
  if form == 'operator' then
    assert(op == 'neg')
    return -a
  elseif form == 'inplace' then
    local r = a[op .. '_'](a, args.min, args.max)
    assert(rawequal(r, a), op .. '_ did not return its receiver')
    return a
  end
  return a[op](a, args.min, args.max)
end

local function reduction(op, ins, args)
  local a = ins[1]
  if args.dim == nil then
    local r = a[op](a, nil, nil, args.unbiased)
    assert(type(r) == 'number', op .. '() over all elements should return a number, got ' .. type(r))
    return r
  end
  return a[op](a, args.dim, args.keepdim, args.unbiased)
end

local OPS = {}
for _, op in ipairs { 'add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum',
                      'eq', 'ne', 'lt', 'le', 'gt', 'ge' } do
  OPS[op] = function(ins, args) return binary(op, ins, args) end
end
for _, op in ipairs { 'neg', 'exp', 'log', 'sqrt', 'abs', 'tanh', 'sigmoid',
                      'relu', 'sign', 'floor', 'ceil', 'round', 'square',
                      'rsqrt', 'reciprocal', 'sin', 'cos', 'clamp' } do
  OPS[op] = function(ins, args) return unary(op, ins, args) end
end
for _, op in ipairs { 'sum', 'mean', 'prod', 'max', 'min', 'argmax', 'argmin',
                      'var', 'std' } do
  OPS[op] = function(ins, args) return reduction(op, ins, args) end
end
function OPS.where(ins, args)
  local c, a, b = ins[1], ins[2], ins[3]
  if args.a_scalar ~= nil then a, b = args.a_scalar, ins[2] end
  if args.b_scalar ~= nil then b = args.b_scalar end
  return iddl.where(c, a, b)
end
function OPS.matmul(ins, args)
  if args.form == 'method' then return ins[1]:matmul(ins[2]) end
  return iddl.matmul(ins[1], ins[2])
end
function OPS.chain(ins, args)
  local t = apply_steps(ins[1], args.steps)
  local r = t[args.final](t)
  assert(r:is_contiguous(), args.final .. '() returned a non-contiguous tensor')
  if args.final == 'clone' then
    -- a clone owns its storage: writing to it leaves the view untouched
    if r:numel() > 0 then
      local before = H.flatten(t)[1]
      r:view(-1)[1] = before + 1000
      local after = H.flatten(t)[1]
      assert(after == before, 'clone() shares storage with its source')
      r:view(-1)[1] = before
    end
  end
  return r
end
function OPS.linspace(_, args) return iddl.linspace(table.unpack(args.call)) end
function OPS.arange(_, args) return iddl.arange(table.unpack(args.call)) end
function OPS.eye(_, args) return iddl.eye(table.unpack(args.call)) end

describe('golden cases from NumPy', function()
  local ok, cases = pcall(dofile, GOLDEN .. 'cases.lua')

  it('has a manifest with cases', function()
    assert(ok, 'cannot load ' .. GOLDEN .. 'cases.lua: ' .. tostring(cases)
                .. ' (run /usr/bin/python3 tests/gen_golden.py tests/golden)')
    assert.is_true(#cases > 100)
  end)
  if not ok then return end

  for _, c in ipairs(cases) do
    it(c.name .. ' (' .. c.op .. ')', function()
      local fn = OPS[c.op]
      assert(fn, 'the spec does not know op ' .. tostring(c.op))
      local args = c.args or {}
      local ins = {}
      for i, f in ipairs(c.inputs) do
        ins[i] = load(f)
        if c.prep and c.prep[i] then ins[i] = apply_steps(ins[i], c.prep[i]) end
      end
      local results = table.pack(fn(ins, args))
      local expected = c.outputs or { c.output }
      assert.are.equal(#expected, results.n, 'number of results')
      for k, file in ipairs(expected) do
        local e = load(file)
        local r = results[k]
        if type(r) == 'number' then
          assert(e:dim() == 0, 'got a number, expected shape ' .. e:shape_str())
          e = e:item()
        end
        H.assert_close(r, e, c.tol.rtol, c.tol.atol,
                       #expected > 1 and ('result ' .. k) or nil)
      end
    end)
  end
end)
