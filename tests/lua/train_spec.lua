-- The training loop and the results files, on small stand-in objects: a
-- 1-parameter model, a loader of fixed batches, an optimizer that counts.
local iddl = iddl or require 'iddl'

-- A model predicting class 1 or 2 from the sign of x * w (w starts at -1).
local function fake_model()
  local m = { w = -1, calls = 0, mode = 'train' }
  function m:forward(x)
    self.calls = self.calls + 1
    local out = iddl.zeros(x:size(1), 2)
    for i = 1, x:size(1) do
      out[{ i, (x[{ i, 1 }] * self.w > 0) and 1 or 2 }] = 1
    end
    return out
  end
  function m:backward() return nil end
  function m:train() self.mode = 'train' end
  function m:eval() self.mode = 'eval' end
  function m:nparams() return 1 end
  return m
end

local function fake_criterion()
  return { forward = function(_, out) return out:size(1) end,  -- loss = batch size
           backward = function() return nil end }
end

local function fake_optimizer(model)
  return { steps = 0, zero_grad = function() end,
           step = function(self) self.steps = self.steps + 1; model.w = 1 end }
end

-- n batches of b samples, x = +1, label 1.
local function fake_loader(n, b, hook)
  local l = setmetatable({}, { __len = function() return n end })
  function l:batches()
    local i = 0
    return function()
      i = i + 1
      if hook then hook(i) end
      if i <= n then return iddl.ones(b, 1), iddl.ones(b) end
    end
  end
  return l
end

describe('train.fit', function()
  it('records every epoch and the totals', function()
    local m = fake_model()
    local opt = fake_optimizer(m)
    local lines = {}
    local r = iddl.train.fit { model = m, criterion = fake_criterion(), optimizer = opt,
                               train = fake_loader(3, 4), test = fake_loader(2, 5),
                               epochs = 2, name = 'toy', progress = false,
                               log = function(s) lines[#lines + 1] = s end }
    assert.are.equal('toy', r.name)
    assert.are.equal(1, r.params)
    assert.are.equal(2, #r.epochs)
    assert.are.equal(6, opt.steps)
    assert.are.equal(1, r.epochs[1].epoch)
    assert.are.equal(4, r.epochs[1].train_loss)   -- mean of batch-size losses
    assert.are.equal(5, r.epochs[2].test_loss)
    assert.are.equal(1, r.epochs[2].test_acc)      -- w flipped to 1 after a step
    assert.is_true(r.train_time_s >= 0 and r.infer_time_s >= 0)
    assert.are.equal(2, #lines)
    assert.truthy(lines[2]:find('epoch 2/2', 1, true))
    assert.are.equal('eval', m.mode)
  end)

  it('keeps the finished epochs when interrupted', function()
    local m = fake_model()
    local hook = function(i) if i == 2 and m.armed then error('stdin:1: interrupted!') end end
    local train = fake_loader(3, 1, hook)
    local r = iddl.train.fit { model = m, criterion = fake_criterion(),
                               optimizer = fake_optimizer(m), train = train,
                               test = fake_loader(1, 1), epochs = 3, progress = false,
                               log = function() end,
                               on_epoch = function() m.armed = true end }
    assert.is_true(r.interrupted)
    assert.are.equal(1, #r.epochs)
  end)

  it('passes other errors on', function()
    local m = fake_model()
    local train = fake_loader(3, 1, function() error('boom') end)
    assert.has_error(function()
      iddl.train.fit { model = m, criterion = fake_criterion(), optimizer = fake_optimizer(m),
                       train = train, test = fake_loader(1, 1), epochs = 1,
                       progress = false, log = function() end }
    end)
  end)

  it('names a missing field', function()
    local ok, err = pcall(iddl.train.fit, { model = fake_model() })
    assert.is_false(ok)
    assert.truthy(err:find('missing field', 1, true))
  end)
end)

describe('results', function()
  local dir = os.tmpname()
  os.remove(dir)
  local experiment = {
    experiment = 'toy', dataset = 'none', config = { lr = 0.5 },
    models = { { name = 'a,b', params = 3, flops = 4, train_time_s = 1, infer_time_s = 2,
                 epochs = { { epoch = 1, train_loss = 0.5, test_loss = 0.25,
                              test_acc = 0.75, time_s = 1 } } } },
  }

  it('writes JSON that reads back', function()
    local path = iddl.results.write_json(dir, 'toy', experiment)
    assert.are.equal(dir .. '/toy.json', path)
    local back = iddl.results.read_json(path)
    assert.are.equal('toy', back.experiment)
    assert.are.equal(0.75, back.models[1].epochs[1].test_acc)
  end)

  it('writes one CSV row per epoch', function()
    local f = assert(io.open(iddl.results.write_csv(dir, 'toy', experiment)))
    local text = f:read('a')
    f:close()
    assert.are.equal('model,epoch,train_loss,test_loss,test_acc,time_s\na;b,1,0.5,0.25,0.75,1\n', text)
  end)

  it('leaves no temporary files and reports unwritable paths', function()
    local p = io.popen('ls ' .. dir)
    local listing = p:read('a')
    p:close()
    assert.is_nil(listing:find('tmp', 1, true))
    assert.has_error(function() iddl.results.write_atomic('/nonexistent/x.json', '{}') end)
    os.execute('rm -rf ' .. dir)
  end)
end)

describe('progress', function()
  it('formats clocks', function()
    assert.are.equal('0:05', require('iddl.progress').clock(5))
    assert.are.equal('1:01:01', require('iddl.progress').clock(3661))
  end)
end)

describe('train.fit on a shared DataLoader', function()
  it('gives every fit the same epoch shuffles, whatever trained before', function()
    local n = 64
    local ds = iddl.data.dataset { images = iddl.randn(n, 4), labels = iddl.randint(1, 3, n) }
    local loader = iddl.data.DataLoader { dataset = ds, batch_size = 8, shuffle = true, seed = 5 }
    local function run()
      iddl.manual_seed(2)
      local m = iddl.nn.Sequential { iddl.nn.Linear(4, 2) }
      local r = iddl.train.fit { model = m, criterion = iddl.nn.CrossEntropyCriterion(),
        optimizer = iddl.optim.SGD(m, { lr = 0.1 }), train = loader, test = loader, epochs = 2,
        progress = false, log = function() end }
      return r.epochs[1].train_loss, r.epochs[2].train_loss
    end
    local a1, a2 = run()
    local b1, b2 = run()                      -- the loader has run 2 epochs already
    assert.are.equal(a1, b1)
    assert.are.equal(a2, b2)
    assert.are_not.equal(a1, a2)
  end)
end)
