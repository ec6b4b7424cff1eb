-- nn_spec.lua - the module protocol of iddl.nn: gradient accumulation,
-- zero_grad, train/eval, parameters order, nparams, flops, buffers reused,
-- error messages with shapes, tostring, subclassing, initialisers.
local iddl = iddl or require 'iddl'
local H = dofile(debug.getinfo(1, 'S').source:match('^@(.*[/\\])') .. 'helpers.lua')
local nn = iddl.nn

local function mlp(sizes)
  local m = nn.Sequential()
  for i = 1, #sizes - 1 do
    m:add(nn.Linear(sizes[i], sizes[i + 1]))
    if i < #sizes - 1 then m:add(nn.ReLU()) end
  end
  return m
end

describe('nn protocol', function()
  before_each(function() iddl.manual_seed(3) end)

  it('Linear has PyTorch shapes and y = x W^T + b', function()
    local l = nn.Linear(3, 2)
    assert.are.same({ 2, 3 }, l.weight:size())
    assert.are.same({ 2 }, l.bias:size())
    assert.are.same({ 2, 3 }, l.gradWeight:size())
    l.weight:copy_(iddl.tensor{ { 1, 2, 3 }, { 4, 5, 6 } })
    l.bias:copy_(iddl.tensor{ 10, 20 })
    H.assert_close(l:forward(iddl.tensor{ { 1, 0, -1 } }), iddl.tensor{ { 8, 18 } })
    assert.is_nil(nn.Linear(3, 2, { bias = false }).bias)
  end)

  it('parameter gradients accumulate until zero_grad', function()
    local m = mlp{ 4, 3, 2 }
    local x, g = iddl.randn(5, 4), iddl.randn(5, 2)
    m:zero_grad()
    m:forward(x)
    m:backward(x, g)
    local _, grads = m:parameters()
    local once = {}
    for i, gr in ipairs(grads) do once[i] = gr:clone() end
    m:forward(x)
    m:backward(x, g)
    for i, gr in ipairs(grads) do H.assert_close(gr, once[i] * 2, 1e-5, 1e-6) end
    m:zero_grad()
    for _, gr in ipairs(grads) do assert.are.equal(0, gr:abs():sum()) end
  end)

  it('backward returns gradInput; input_grad(false) skips it, not parameters', function()
    local m = mlp{ 4, 3, 2 }
    local x, g = iddl.randn(5, 4), iddl.randn(5, 2)
    m:forward(x)
    m:zero_grad()
    local gi = m:backward(x, g):clone()
    local gw = m:get(1).gradWeight:clone()
    assert.are.same({ 5, 4 }, gi:size())
    m:input_grad(false)
    m:zero_grad()
    assert.is_nil(m:backward(x, g))
    H.assert_close(m:get(1).gradWeight, gw)
    m:input_grad(true)
    H.assert_close(m:backward(x, g), gi)
  end)

  it('parameters: weights and grads in the same order every time', function()
    local m = nn.Sequential{ nn.Linear(4, 3), nn.ReLU(),
                             nn.Concat(2, { nn.Linear(3, 2), nn.Linear(3, 1, { bias = false }) }) }
    local p, g = m:parameters()
    assert.are.equal(5, #p)
    assert.are.equal(#p, #g)
    assert.are.equal(m:get(1).weight, p[1])
    assert.are.equal(m:get(1).bias, p[2])
    assert.are.equal(m:get(3):get(1).weight, p[3])
    assert.are.equal(m:get(3):get(2).weight, p[5])
    assert.are.equal(m:get(3):get(2).gradWeight, g[5])
    local p2 = m:parameters()
    for i = 1, #p do assert.are.equal(p[i], p2[i]) end
  end)

  it('nparams counts weights and biases; weights_only the seed way', function()
    local m = mlp{ 784, 16, 20, 10 }
    assert.are.equal(13064, m:nparams{ weights_only = true })
    assert.are.equal(13064 + 16 + 20 + 10, m:nparams())
    assert.are.equal(41720, mlp{ 784, 49, 56, 10 }:nparams{ weights_only = true })
  end)

  it('flops: multiply-accumulates per sample and the output shape', function()
    local m = nn.Sequential{ nn.Flatten(), mlp{ 784, 16, 20, 10 } }
    local f, shape = m:flops{ 1, 28, 28 }
    assert.are.equal(784 * 16 + 16 * 20 + 20 * 10, f)
    assert.are.same({ 10 }, shape)
    local cf, cshape = nn.Concat(2, { nn.Linear(4, 3), nn.Linear(4, 2) }):flops{ 4 }
    assert.are.equal(20, cf)
    assert.are.same({ 5 }, cshape)
    H.assert_error_contains({ 'module 1 (nn.Linear(784 -> 16))', 'does not end in 784' },
                            m.flops, m, { 1, 7, 7 })
  end)

  it('train / eval reach every module; Dropout obeys', function()
    local d = nn.Dropout(0.5)
    local m = nn.Sequential{ nn.Linear(4, 4), nn.Sequential{ d } }
    m:eval()
    assert.is_false(d.training)
    local x = iddl.randn(3, 4)
    H.assert_close(d:forward(x), x)
    m:train()
    assert.is_true(d.training)
    local y = d:forward(iddl.ones(100, 100))
    local zeros = y:eq(0):sum()
    assert.is_true(zeros > 4000 and zeros < 6000)
    assert.are.equal(0, (y:eq(0) + y:eq(2)):eq(0):sum()) -- survivors * 1/(1-p)
  end)

  it('Dropout is reproducible from the seed', function()
    local d = nn.Dropout(0.5)
    iddl.manual_seed(9)
    local a = d:forward(iddl.ones(4, 5)):clone()
    iddl.manual_seed(9)
    H.assert_close(d:forward(iddl.ones(4, 5)), a)
  end)

  it('reuses its buffers while the batch shape stays', function()
    local m = mlp{ 6, 5, 3 }
    local x = iddl.randn(4, 6)
    local out = m:forward(x)
    m:backward(x, iddl.randn(4, 3))
    local gi = m:get(1).gradInput
    assert.are.equal(out, m:forward(iddl.randn(4, 6)))
    m:backward(x, iddl.randn(4, 3))
    assert.are.equal(gi, m:get(1).gradInput)
    assert.are.same({ 2, 3 }, m:forward(iddl.randn(2, 6)):size())
  end)

  it('a training step allocates nothing once shapes are stable', function()
    local m = mlp{ 20, 8, 4 }
    local crit = nn.CrossEntropyCriterion()
    local x, y = iddl.randn(8, 20), iddl.randint(1, 5, 8)
    local function step()
      local out = m:forward(x)
      crit:forward(out, y)
      m:zero_grad()
      m:backward(x, crit:backward(out, y))
    end
    H.assert_allocates_nothing(step)
  end)

  it('Linear given the wrong width names both shapes, containers the child', function()
    local m = mlp{ 784, 49, 10 }
    local msg = H.assert_error_contains(
      { 'Sequential: module 1 (nn.Linear(784 -> 49))', '32x100', '49x784' },
      m.forward, m, iddl.randn(32, 100))
    assert.is_nil(msg:find('linear.lua', 1, true))
    local outer = nn.Sequential{ nn.ReLU(), m }
    H.assert_error_contains({ 'Sequential: module 2 (nn.Sequential)',
                              'module 1 (nn.Linear(784 -> 49))' },
                            outer.forward, outer, iddl.randn(2, 5))
    H.assert_error_contains({ 'gradOutput of shape 2x7', 'input of shape 2x4' },
                            function()
                              local l = nn.Linear(4, 3)
                              l:forward(iddl.randn(2, 4))
                              l:backward(iddl.randn(2, 4), iddl.randn(2, 7))
                            end)
  end)

  it('criteria check targets and shapes', function()
    local ce = nn.CrossEntropyCriterion()
    H.assert_error_contains({ 'nn.CrossEntropyCriterion', 'target 5 of sample 2',
                              '1..4' }, ce.forward, ce, iddl.randn(2, 4),
                            iddl.tensor{ 1, 5 })
    H.assert_error_contains({ 'target of shape 3', 'input of shape 2x4' },
                            ce.forward, ce, iddl.randn(2, 4), iddl.tensor{ 1, 2, 3 })
    local mse = nn.MSECriterion()
    H.assert_error_contains({ '2x3', '3x2' }, mse.forward, mse, iddl.randn(2, 3),
                            iddl.randn(3, 2))
    assert.has_error(function() nn.MSECriterion{ reduction = 'max' } end)
  end)

  it('per-sample weights: mean divides by their sum', function()
    local nll = nn.ClassNLLCriterion()
    local x, t = iddl.tensor{ { -1, -2 }, { -3, -4 } }, iddl.tensor{ 1, 2 }
    H.assert_close(nll:forward(x, t, iddl.tensor{ 1, 3 }), (1 + 3 * 4) / 4)
    H.assert_close(nn.ClassNLLCriterion{ reduction = 'sum' }:forward(x, t), 5)
  end)

  it('tostring shows the architecture, shapes and parameter counts', function()
    local m = nn.Sequential{ nn.Linear(784, 49), nn.ReLU(),
                             nn.Add{ nn.Sequential{ nn.Linear(49, 49) } } }
    local s = tostring(m)
    for _, part in ipairs { 'nn.Sequential [40,915 params] {',
                            '[input -> (1) -> (2) -> (3) -> output]',
                            '(1): nn.Linear(784 -> 49) [weight 49x784, bias 49: 38,465 params]',
                            '(2): nn.ReLU', '(3): nn.Add (residual) [2,450 params]',
                            '[input -> (1) + input -> output]',
                            '      (1): nn.Sequential' } do
      assert.is_truthy(s:find(part, 1, true), part .. ' not in\n' .. s)
    end
  end)

  it('ConcatTable, Add and MultiOutput outputs', function()
    local l = nn.Linear(3, 3)
    local x = iddl.randn(2, 3)
    local ct = nn.ConcatTable{ l, nn.Identity() }:forward(x)
    assert.are.equal(2, #ct)
    H.assert_close(nn.Add{ l }:forward(x), l:forward(x) + x, 1e-6, 1e-6)
    local mo = nn.MultiOutput{ l, { nn.Linear(3, 2), nn.Identity() } }
    local out = mo:forward(x)
    assert.are.same({ 2, 2 }, out[1]:size())
    H.assert_close(out[2], l:forward(x))
    assert.are.same({ 2, 4 }, nn.Concat(2, { l, nn.Linear(3, 1) }):forward(x):size())
  end)

  it('modules can be subclassed', function()
    local Scale = nn.class('my.Scale', nn.Module)
    function Scale:__init(s) nn.Module.__init(self); self.s = s end
    function Scale:updateOutput(x) self.output = x * self.s; return self.output end
    function Scale:updateGradInput(_, g) self.gradInput = g * self.s; return self.gradInput end
    local m = nn.Sequential{ Scale(3), nn.Linear(2, 2) }
    local x = iddl.ones(1, 2)
    m:forward(x)
    H.assert_close(m:backward(x, iddl.ones(1, 2)), m:get(2).weight:sum(1, true) * 3,
                   1e-6, 1e-6)
    assert.are.equal('my.Scale', tostring(Scale(2)))
  end)

  it('initialisers follow PyTorch bounds and the seed', function()
    local l = nn.Linear(400, 30)
    assert.is_true(l.weight:abs():max() <= 1 / math.sqrt(400))
    assert.is_true(l.weight:abs():max() > 0.9 / math.sqrt(400))
    assert.is_true(l.bias:abs():max() <= 1 / math.sqrt(400))
    iddl.manual_seed(11)
    local a = nn.Linear(5, 4).weight:clone()
    iddl.manual_seed(11)
    H.assert_close(nn.Linear(5, 4).weight, a)
    local w = iddl.empty(200, 300)
    nn.init.kaiming_normal_(w, { mode = 'fan_out', nonlinearity = 'relu' })
    H.assert_close(w:std(), math.sqrt(2 / 200), 0.05)
    nn.init.xavier_uniform_(w)
    local bound = math.sqrt(6 / 500)
    assert.is_true(w:abs():max() <= bound and w:abs():max() > 0.99 * bound)
    H.assert_error_contains('at least 2 dimensions', nn.init.xavier_normal_, iddl.empty(3))
  end)

  it('resize_ and set_ reuse storage', function()
    local t = iddl.empty(4, 5)
    t:fill_(1)
    t:resize_(2, 3)
    assert.are.same({ 2, 3 }, t:size())
    t:resize_(iddl.empty(5, 4))
    assert.are.same({ 5, 4 }, t:size())
    local src = iddl.arange(6)
    local v = iddl.empty(0):set_(src, { 2, 3 })
    v[{ 1, 1 }] = 42
    assert.are.equal(42, src[1])
  end)
end)
