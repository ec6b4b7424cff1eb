-- End to end: scripts/resnet.lua trains a B-ResNet-18 briefly on the real
-- Fashion-MNIST padded to 32x32 (`make data`) and writes its JSON, CSV and
-- figures. Skipped without the data.
local iddl = iddl or require 'iddl'
local H = dofile(debug.getinfo(1, 'S').source:match('^@(.*[/\\])') .. 'helpers.lua')

local BIN = os.getenv('IDDL_BIN') or 'build/iddl'

describe('scripts/resnet.lua', function()
  if H.size_of('data/fashion-mnist/t10k-labels-idx1-ubyte.gz') == 0 then
    pending('Fashion-MNIST is not in data/fashion-mnist: run make data')
    return
  end

  it('trains B-ResNet-18 on Fashion-MNIST 32x32 and writes results and figures', function()
    local out = os.tmpname()
    os.remove(out)
    local p = io.popen(string.format(
      '%s scripts/resnet.lua --dataset fashion-mnist --models B-ResNet-18 --epochs 1 '
      .. '--subset 256 --test-subset 128 --batch 64 --out %s 2>&1', BIN, out))
    local log = p:read('a')
    assert.is_true(p:close(), log)
    local r = iddl.results.read_json(out .. '/resnet.json')
    assert.are.equal('resnet', r.experiment)
    assert.are.equal('fashion-mnist', r.dataset)
    local m = r.models[1]
    assert.are.equal('B-ResNet-18', m.name)
    assert.are.equal(1, #m.epochs)
    assert.is_true(m.epochs[1].test_acc >= 0 and m.epochs[1].test_acc <= 1)
    assert.truthy(log:find('54.71', 1, true), log)   -- the paper's MFLOPs beside ours
    for _, f in ipairs { 'resnet.csv', 'resnet_curves.png', 'resnet_experiments.png',
                         'resnet_experiments.eps', 'resnet_experiments_sparse_only.png' } do
      assert.is_true(H.size_of(out .. '/' .. f) > 100, f .. ' missing or empty')
    end
    os.execute('rm -rf ' .. out)
  end)

  it('says where to put CIFAR-10 when it is missing', function()
    local p = io.popen(BIN .. ' scripts/resnet.lua --dataset cifar10 --data /nonexistent 2>&1')
    local log = p:read('a')
    assert.is_falsy(p:close())
    assert.truthy(log:find('cifar', 1, true), log)
    assert.truthy(log:find('fashion-mnist', 1, true), log)
  end)

  it('rejects an unknown model name', function()
    local p = io.popen(BIN .. ' scripts/resnet.lua --models VGG-16 2>&1')
    local log = p:read('a')
    assert.is_falsy(p:close())
    assert.truthy(log:find('unknown model VGG-16', 1, true))
  end)
end)
