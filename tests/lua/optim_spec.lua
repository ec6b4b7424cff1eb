-- optim_spec.lua - iddl.optim: SGD / Adam / AdamW and the LR schedules
-- against PyTorch 1.13 (tests/golden/optim/optim_cases.json, made by
-- tests/gen_optim_golden.py), state_dict round trips, errors, and the cost
-- of a step (no allocation).
local iddl = iddl or require 'iddl'
local cjson = require 'cjson'

local here = debug.getinfo(1, 'S').source:match('^@(.*[/\\])') or './'
local H = dofile(here .. 'helpers.lua')

local function read_golden()
  local f = assert(io.open(here .. '../golden/optim/optim_cases.json', 'rb'))
  local doc = cjson.decode(f:read('a'))
  f:close()
  return doc
end
local GOLDEN = read_golden()

-- A fake model: parameters() returns the same two lists every call.
local function fake_model(params)
  local grads = {}
  for i, p in ipairs(params) do grads[i] = iddl.zeros_like(p) end
  return { parameters = function() return params, grads end }
end

local function tensors(list)
  local r = {}
  for i, x in ipairs(list) do r[i] = iddl.tensor(x) end
  return r
end

-- Builds the optimizer of a golden case; SGD cases use the model form.
local function make(kind, params, grads, opts)
  if kind == 'SGD' then
    return iddl.optim.SGD({ parameters = function() return params, grads end }, opts)
  end
  return iddl.optim[kind](params, grads, opts)
end

describe('optimizers match PyTorch 1.13', function()
  for _, case in ipairs(GOLDEN.optimizers) do
    it(case.name, function()
      local params = tensors(case.params)
      local grads = {}
      for i, p in ipairs(params) do grads[i] = iddl.zeros_like(p) end
      local opt = make(case.kind, params, grads, case.opts)
      for k, step_grads in ipairs(case.grads) do
        opt:zero_grad()
        for i, g in ipairs(step_grads) do grads[i]:add_(iddl.tensor(g)) end
        opt:step()
        for i, p in ipairs(params) do
          H.assert_close(p, iddl.tensor(case.expected[k][i]), 1e-6, 1e-7,
                         string.format('%s step %d parameter %d', case.name, k, i))
        end
      end
    end)
  end
end)

describe('LR schedules match PyTorch 1.13', function()
  for _, case in ipairs(GOLDEN.schedulers) do
    it(case.name, function()
      local p = { iddl.zeros(1) }
      local opt = iddl.optim.SGD(p, { iddl.zeros(1) }, { lr = case.base_lr })
      local sched = iddl.optim[case.kind](opt, case.opts)
      for e, want in ipairs(case.lrs) do
        if e > 1 then
          local lr = sched:step()
          assert.are.equal(lr, opt.lr)
        end
        H.assert_close(sched:get_lr(), want, 1e-6, 1e-12, case.name .. ' epoch ' .. (e - 1))
        assert.are.equal(sched:get_lr(), opt.lr)
      end
    end)
  end
end)

describe('optimizer API', function()
  it('zero_grad zeroes the gradients', function()
    local m = fake_model { iddl.ones(2, 3), iddl.ones(3) }
    local opt = iddl.optim.SGD(m, { lr = 0.1 })
    local _, grads = m.parameters()
    grads[1]:fill_(2); grads[2]:fill_(3)
    opt:zero_grad()
    assert.are.equal(0, grads[1]:abs():sum() + grads[2]:abs():sum())
  end)

  it('plain SGD is p - lr * g', function()
    local p, g = iddl.tensor { 1, 2 }, iddl.tensor { 10, -20 }
    iddl.optim.SGD({ p }, { g }, { lr = 0.5 }):step()
    H.assert_close(p, iddl.tensor { -4, 12 }, 0, 0)
  end)

  it('rejects bad arguments with clear messages', function()
    local p = iddl.zeros(2, 3)
    H.assert_error_contains({ 'parameter 1', '2x3', '3x2' }, iddl.optim.SGD, { p },
                            { iddl.zeros(3, 2) }, { lr = 1 })
    H.assert_error_contains({ "unknown option 'lrr'", 'momentum' }, iddl.optim.SGD,
                            { p }, { iddl.zeros(2, 3) }, { lrr = 1 })
    H.assert_error_contains('option lr is required', iddl.optim.SGD, { p }, { iddl.zeros(2, 3) }, {})
    H.assert_error_contains('nesterov', iddl.optim.SGD, { p }, { iddl.zeros(2, 3) },
                            { lr = 1, nesterov = true })
    H.assert_error_contains('betas[2]', iddl.optim.Adam, { p }, { iddl.zeros(2, 3) },
                            { betas = { 0.9, 1.5 } })
    H.assert_error_contains('2 parameters but 1 gradients', iddl.optim.Adam, { p, p },
                            { p }, {})
  end)

  it('the kernels refuse non-contiguous tensors, naming the parameter', function()
    local p, g = iddl.zeros(3, 2), iddl.zeros(2, 3)
    local opt = iddl.optim.SGD({ p }, { g:t() }, { lr = 1 })
    H.assert_error_contains({ 'parameter 1', 'grad', 'not contiguous' }, opt.step, opt)
    local adam = iddl.optim.Adam({ p:t() }, { g }, {})
    H.assert_error_contains({ 'parameter 1', 'param', 'not contiguous' }, adam.step, adam)
  end)

  it('AdamW defaults to PyTorch\'s weight decay 1e-2, Adam to 0', function()
    local p, g = { iddl.zeros(1) }, { iddl.zeros(1) }
    assert.are.equal(1e-2, iddl.optim.AdamW(p, g, {}).weight_decay)
    assert.are.equal(0, iddl.optim.Adam(p, g, {}).weight_decay)
  end)
end)

-- Runs n steps of opt with gradients drawn from iddl.randn.
local function train(opt, grads, n)
  for _ = 1, n do
    opt:zero_grad()
    for _, g in ipairs(grads) do g:add_(iddl.randn(table.unpack(g:size()))) end
    opt:step()
  end
end

describe('state_dict', function()
  for _, spec in ipairs {
    { 'SGD', { lr = 0.1, momentum = 0.9, nesterov = true } },
    { 'Adam', { lr = 0.01, amsgrad = true, weight_decay = 0.1 } },
    { 'AdamW', { lr = 0.01 } },
  } do
    it(spec[1] .. ' resumes bit-identically in a fresh optimizer', function()
      iddl.manual_seed(7)
      local m = fake_model { iddl.randn(4, 3), iddl.randn(4) }
      local params, grads = m.parameters()
      local opt = iddl.optim[spec[1]](m, spec[2])
      train(opt, grads, 3)
      local sd, snap = opt:state_dict(), { params[1]:clone(), params[2]:clone() }
      local rng = iddl.get_rng_state()
      train(opt, grads, 4)

      local m2 = fake_model(snap)
      local opt2 = iddl.optim[spec[1]](m2, { lr = 123 })
      opt2:load_state_dict(sd)
      assert.are.equal(spec[2].lr, opt2.lr)
      iddl.set_rng_state(rng)
      train(opt2, select(2, m2.parameters()), 4)
      for i = 1, 2 do assert.are.equal(0, (snap[i] - params[i]):abs():max()) end
    end)
  end

  it('load_state_dict checks kind and shapes before changing anything', function()
    local opt = iddl.optim.SGD({ iddl.zeros(2) }, { iddl.ones(2) }, { lr = 1, momentum = 0.5 })
    opt:step()
    local sd = opt:state_dict()
    local other = iddl.optim.SGD({ iddl.zeros(3) }, { iddl.ones(3) }, { lr = 2, momentum = 0.5 })
    H.assert_error_contains({ 'parameter 1', 'momentum_buffer', 'shape 2', 'the parameter 3' },
                            other.load_state_dict, other, sd)
    assert.are.equal(2, other.lr)
    local adam = iddl.optim.Adam({ iddl.zeros(2) }, { iddl.ones(2) }, {})
    H.assert_error_contains('expected the state of a Adam, got SGD', adam.load_state_dict, adam, sd)
  end)

  it('schedulers round-trip', function()
    local opt = iddl.optim.SGD({ iddl.zeros(1) }, { iddl.zeros(1) }, { lr = 0.1 })
    local s = iddl.optim.MultiStepLR(opt, { milestones = { 2, 4 }, gamma = 0.5 })
    for _ = 1, 3 do s:step() end
    local opt2 = iddl.optim.SGD({ iddl.zeros(1) }, { iddl.zeros(1) }, { lr = 0.1 })
    local s2 = iddl.optim.MultiStepLR(opt2, { milestones = { 9 } })
    s2:load_state_dict(s:state_dict())
    assert.are.equal(0.05, opt2.lr)
    assert.are.equal(0.025, s2:step())
    H.assert_error_contains('expected the state of a StepLR', iddl.optim.StepLR(opt2, { step_size = 1 }).load_state_dict,
                            iddl.optim.StepLR(opt2, { step_size = 1 }), s:state_dict())
  end)
end)

describe('step cost', function()
  it('an MLP-sized SGD-momentum or Adam step allocates nothing and takes microseconds', function()
    local m = fake_model { iddl.randn(49, 784), iddl.randn(49), iddl.randn(56, 49),
                           iddl.randn(56), iddl.randn(10, 56), iddl.randn(10) }
    for _, opt in ipairs { iddl.optim.SGD(m, { lr = 0.01, momentum = 0.5 }),
                           iddl.optim.Adam(m, {}) } do
      opt:step() -- creates the state buffers
      local n = 200
      collectgarbage('collect')
      collectgarbage('stop')
      local kb, t0 = collectgarbage('count'), iddl.now()
      for _ = 1, n do opt:step() end
      local dt = (iddl.now() - t0) / n
      local grown = collectgarbage('count') - kb
      collectgarbage('restart')
      print(string.format('# %s step over 42k parameters: %.1f us', opt.NAME, dt * 1e6))
      assert.is_true(grown < 1, string.format('%s step allocated %.1f KB', opt.NAME, grown))
      assert.is_true(dt < 2e-3, string.format('%s step took %.0f us', opt.NAME, dt * 1e6))
    end
  end)
end)
