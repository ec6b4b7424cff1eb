-- End to end: scripts/mlp.lua trains on the real MNIST (fetched by
-- `make data`) and writes its JSON, CSV and figures. Skipped without data.
local iddl = iddl or require 'iddl'
local H = dofile(debug.getinfo(1, 'S').source:match('^@(.*[/\\])') .. 'helpers.lua')

local BIN = os.getenv('IDDL_BIN') or 'build/iddl'

local function have_mnist()
  local f = io.open('data/mnist/t10k-labels-idx1-ubyte', 'rb')
    or io.open('data/mnist/t10k-labels-idx1-ubyte.gz', 'rb')
  if f then f:close() end
  return f ~= nil
end

describe('scripts/mlp.lua', function()
  if not have_mnist() then
    pending('MNIST is not in data/mnist: run make data')
    return
  end

  local out = os.tmpname()
  os.remove(out)

  it('trains MLP-3-1 for one epoch on the 60000 images to > 0.85 accuracy', function()
    local cmd = string.format('%s scripts/mlp.lua --models MLP-3-1 --epochs 1 '
                              .. '--out %s 2>&1', BIN, out)
    local p = io.popen(cmd)
    local log = p:read('a')
    local ok = p:close()
    assert.is_true(ok, log)
    local r = iddl.results.read_json(out .. '/mlp.json')
    assert.are.equal('mlp', r.experiment)
    local m = r.models[1]
    assert.are.equal('MLP-3-1', m.name)
    assert.are.equal(13064, m.params)
    assert.are.equal(1, #m.epochs)
    assert.is_true(m.epochs[1].test_acc > 0.85, 'accuracy ' .. m.epochs[1].test_acc)
    assert.truthy(log:find('13064', 1, true))
  end)

  it('writes the CSV and the figures', function()
    for _, f in ipairs { 'mlp.csv', 'mlp_curves.png', 'mlp_curves.svg',
                         'mlp_experiments.png', 'mlp_experiments.eps' } do
      assert.is_true(H.size_of(out .. '/' .. f) > 100, f .. ' missing or empty')
    end
    os.execute('rm -rf ' .. out)
  end)

  it("runs B-MLP-3-1 on the seed's mask (728 params) and on a design mask", function()
    local dir = os.tmpname()
    os.remove(dir)
    local p = io.popen(string.format('%s scripts/mlp.lua --models B-MLP-3-1 --epochs 1 '
                                     .. '--no-plot --out %s 2>&1', BIN, dir))
    local log = p:read('a')
    assert.is_true(p:close(), log)
    local r = iddl.results.read_json(dir .. '/mlp.json')
    os.execute('rm -rf ' .. dir)
    assert.are.equal(2, #r.models)
    assert.are.equal('B-MLP-3-1', r.models[1].name)
    assert.are.equal(728, r.models[1].params)
    assert.are.equal('B-MLP-3-1 (design)', r.models[2].name)
    assert.are.equal('design', r.models[2].mask)
    assert.is_true(r.models[1].epochs[1].test_acc > 0.3, log)
    assert.truthy(log:find('true designs', 1, true))
  end)

  it('rejects an unknown model name', function()
    local p = io.popen(BIN .. ' scripts/mlp.lua --models MLP-9 2>&1')
    local log = p:read('a')
    assert.is_falsy(p:close())
    assert.truthy(log:find('unknown model MLP-9', 1, true))
  end)
end)
