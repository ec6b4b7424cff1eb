-- sparse_linear_spec.lua - nn.SparseLinear, nn.BibdLinear and
-- nn.RandomSparseLinear: finite-difference gradient checks, parity with a
-- dense nn.Linear holding dense_weight() (forward, gradInput, masked
-- gradWeight), the packed parameters under the optimizers, counts
-- (nparams, flops, the seed's B-MLP tables), describe(), every bad input,
-- the raw products of iddl.sparse_core with kk > 1, and models.mlp's sparse
-- variants.
local iddl = iddl or require 'iddl'
local H = dofile(debug.getinfo(1, 'S').source:match('^@(.*[/\\])') .. 'helpers.lua')
local nn = iddl.nn
local sc = require 'iddl.sparse_core'

-- Finite-difference checks of L = sum(output .* r), 40 elements per tensor
-- (tests/lua/helpers.lua); returns the number of parameters.
local gradcheck = H.gradcheck

-- A random (out, in) 0/1 mask of density d with output 1 and input `in`
-- unconnected.
local function random_mask(out, inn, d)
  local m = iddl.rand(out, inn):lt(d)
  m[1]:zero_()
  m:narrow(2, inn, 1):zero_()
  return m
end

-- Compares a sparse layer with a dense nn.Linear holding its dense weight.
local function check_parity(m, x)
  local lin = nn.Linear(m.in_features, m.out_features, { bias = m.bias ~= nil })
  lin.weight:copy_(m:dense_weight())
  if m.bias then lin.bias:copy_(m.bias) end
  H.assert_close(m:forward(x), lin:forward(x), 1e-5, 1e-5, 'output')
  local g = iddl.randn(lin.output:size())
  m:zero_grad()
  lin:zero_grad()
  H.assert_close(m:backward(x, g), lin:backward(x, g), 1e-5, 1e-5, 'gradInput')
  H.assert_close(sc.unpack(m.pattern, m.gradWeight, iddl.empty(0)),
                 lin.gradWeight * m.mask, 1e-5, 1e-4, 'gradWeight')
  if m.bias then H.assert_close(m.gradBias, lin.gradBias, 1e-5, 1e-5, 'gradBias') end
end

describe('sparse linear layers', function()
  before_each(function() iddl.manual_seed(7) end)

  describe('gradient checks', function()
    it('SparseLinear with and without bias, 2-D and 3-D input', function()
      local mask = random_mask(4, 6, 0.6)
      assert.are.equal(1, gradcheck(nn.SparseLinear(mask), iddl.randn(3, 6)))
      assert.are.equal(2, gradcheck(nn.SparseLinear(mask, { bias = true }), iddl.randn(3, 6)))
      gradcheck(nn.SparseLinear(mask, { bias = true }), iddl.randn(2, 3, 6))
    end)

    it('BibdLinear and RandomSparseLinear, with and without bias', function()
      gradcheck(nn.BibdLinear(9, 12, { mask = 'paper' }), iddl.randn(4, 9))
      gradcheck(nn.BibdLinear(9, 12, { mask = 'paper', bias = true }), iddl.randn(4, 9))
      gradcheck(nn.RandomSparseLinear(9, 12, { seed = 3 }), iddl.randn(4, 9))
      gradcheck(nn.RandomSparseLinear(9, 12, { seed = 3, bias = true }), iddl.randn(2, 2, 9))
    end)
  end)

  describe('parity with a dense nn.Linear holding dense_weight()', function()
    it('random masks, batch sizes around the vector widths', function()
      for _, b in ipairs { 1, 5, 16, 17, 33, 64, 100 } do
        check_parity(nn.SparseLinear(random_mask(13, 21, 0.3), { bias = b % 2 == 1 }),
                     iddl.randn(b, 21))
      end
    end)

    it('one module over batches of 32, 17, 300 and 5 (its batch-tile buffers '
       .. 'hold the last batch\'s values)', function()
      local m = nn.SparseLinear(random_mask(40, 70, 0.2), { bias = true })
      for _, b in ipairs { 32, 17, 300, 5 } do
        local x = iddl.randn(b, 70)
        if b == 300 then x:narrow(1, 1, 1):fill_(1e6) end -- large values, then gone
        check_parity(m, x)
      end
    end)

    it('a 1-D input, a 3-D input and a batch large enough for threads', function()
      local m = nn.BibdLinear(784, 49, { mask = 'paper', bias = true })
      check_parity(m, iddl.randn(784))
      check_parity(m, iddl.randn(3, 4, 784))
      check_parity(nn.BibdLinear(784, 512, { mask = 'paper' }), iddl.randn(256, 784))
      check_parity(nn.RandomSparseLinear(300, 200, { seed = 9 }), iddl.randn(96, 300))
    end)

    it('tiles saved in two regions (two threads) serve a backward on one thread, '
       .. 'and the other way round', function()
      local threads = iddl.blas_info().threads
      for _, first in ipairs { 2, 1 } do
        local m = nn.BibdLinear(784, 512, { mask = 'paper' })
        local lin = nn.Linear(784, 512, { bias = false })
        lin.weight:copy_(m:dense_weight())
        local x, g = iddl.randn(40, 784), iddl.randn(40, 512)
        iddl.set_num_threads(first)
        local ok, err = pcall(function()
          H.assert_close(m:forward(x), lin:forward(x), 1e-5, 1e-5, 'output')
          iddl.set_num_threads(3 - first)
          m:zero_grad()
          lin:zero_grad()
          H.assert_close(m:backward(x, g), lin:backward(x, g), 1e-5, 1e-5, 'gradInput')
          H.assert_close(sc.unpack(m.pattern, m.gradWeight, iddl.empty(0)),
                         lin.gradWeight * m.mask, 1e-5, 1e-4, 'gradWeight')
        end)
        iddl.set_num_threads(threads)
        assert(ok, err)
      end
    end)

    it('a non-contiguous input, and backward on a different input than forward', function()
      local m = nn.SparseLinear(random_mask(5, 8, 0.5), { bias = true })
      check_parity(m, iddl.randn(8, 6):t())
      local x1, x2, g = iddl.randn(64, 8), iddl.randn(64, 8), iddl.randn(64, 5)
      m:forward(x1)
      m:zero_grad()
      m:backward(x2, g)
      local lin = nn.Linear(8, 5)
      lin.weight:copy_(m:dense_weight())
      lin:zero_grad()
      lin:backward(x2, g)
      H.assert_close(sc.unpack(m.pattern, m.gradWeight, iddl.empty(0)),
                     lin.gradWeight * m.mask, 1e-5, 1e-5, 'gradWeight')
    end)

    it('updateGradInput and accGradParameters alone, and input_grad(false)', function()
      local m = nn.SparseLinear(random_mask(6, 7, 0.5))
      local x, g = iddl.randn(4, 7), iddl.randn(4, 6)
      m:forward(x)
      m:zero_grad()
      local full = m:backward(x, g):clone()
      local gw = m.gradWeight:clone()
      m:zero_grad()
      H.assert_close(m:updateGradInput(x, g), full, 0, 0, 'updateGradInput')
      assert.are.equal(0, m.gradWeight:abs():sum())
      m:accGradParameters(x, g, 0.5)
      H.assert_close(m.gradWeight, gw * 0.5, 1e-6, 0, 'accGradParameters')
      m:input_grad(false)
      assert.is_nil(m:backward(x, g))
      H.assert_close(m.gradWeight, gw * 1.5, 1e-6, 1e-7, 'accumulated')
    end)
  end)

  describe('parameters', function()
    it('weight and gradWeight are packed 1-D in the row-major order of the ones', function()
      local mask = iddl.tensor { { 0, 1, 1 }, { 1, 0, 0 } }
      local m = nn.SparseLinear(mask)
      assert.are.same({ 3 }, m.weight:size())
      assert.are.same({ 3 }, m.gradWeight:size())
      m.weight:copy_(iddl.tensor { 1, 2, 3 })
      H.assert_close(m:dense_weight(), iddl.tensor { { 0, 1, 2 }, { 3, 0, 0 } }, 0, 0)
      m:set_dense_weight(iddl.tensor { { 0, 5, 6 }, { 7, 0, 0 } })
      H.assert_close(m.weight, iddl.tensor { 5, 6, 7 }, 0, 0)
      assert.is_nil(m.bias)
    end)

    it('init: kaiming normal over the dense weight, the same draws as the seed', function()
      iddl.manual_seed(11)
      local m = nn.BibdLinear(784, 49, { mask = 'paper' })
      iddl.manual_seed(11)
      local dense = iddl.empty(49, 784):normal_(0, math.sqrt(2 / 784))
      H.assert_close(m:dense_weight(), dense * m.mask, 0, 0, 'weight')
      local std = m.weight:std()
      assert.is_true(math.abs(std - math.sqrt(2 / 784)) < 0.1 * math.sqrt(2 / 784))
    end)

    it('optimizers update the packed parameters as a masked dense layer', function()
      for _, make in ipairs {
        function(p) return iddl.optim.SGD(p, { lr = 0.1, momentum = 0.9, weight_decay = 1e-2 }) end,
        function(p) return iddl.optim.Adam(p, { lr = 0.01 }) end } do
        local m = nn.SparseLinear(random_mask(5, 7, 0.5), { bias = true })
        local lin = nn.Linear(7, 5)
        lin.weight:copy_(m:dense_weight())
        lin.bias:copy_(m.bias)
        local os, od = make(m), make(lin)
        for _ = 1, 3 do
          local x, g = iddl.randn(4, 7), iddl.randn(4, 5)
          m:forward(x); m:zero_grad(); m:backward(x, g); os:step()
          lin:forward(x); lin:zero_grad(); lin:backward(x, g)
          lin.gradWeight:mul_(m.mask) -- the seed's masked gradient
          od:step()
        end
        H.assert_close(m:dense_weight(), lin.weight, 1e-5, 1e-6, 'weight')
        H.assert_close(m.bias, lin.bias, 1e-5, 1e-6, 'bias')
      end
    end)

    it('a checkpoint restores the packed weights of a model built alike', function()
      local a = iddl.models.mlp { name = 'R-MLP-3-1', seed = 5 }
      local path = os.tmpname()
      iddl.checkpoint.save(path, { model = a })
      local b = iddl.models.mlp { name = 'R-MLP-3-1', seed = 5 }
      iddl.checkpoint.load(path, { model = b })
      os.remove(path)
      local x = iddl.rand(3, 784)
      H.assert_close(b:forward(x), a:forward(x), 0, 0, 'output')
    end)

    it("nparams, flops and the seed's B-MLP / R-MLP parameter tables", function()
      local m = nn.BibdLinear(784, 49, { mask = 'paper', bias = true })
      assert.are.equal(1372 + 49, m:nparams())
      assert.are.equal(1372, m:nparams { weights_only = true })
      local f, shape = m:flops { 784 }
      assert.are.equal(1372, f)
      assert.are.same({ 49 }, shape)
      assert.are.equal(math.floor(784 * 49 * (m.mask:sum() / (784 * 49))), f)
      local f3 = m:flops { 3, 784 }
      assert.are.equal(3 * 1372, f3)
      local want = { 728, 1150, 1680, 2324 }
      for k = 1, 4 do
        for _, p in ipairs { 'B-', 'R-' } do
          local model = iddl.models.mlp { name = p .. 'MLP-3-' .. k }
          assert.are.equal(want[k], model:nparams { weights_only = true })
          local macs = 0
          for _, layer in ipairs(model:children()) do
            if layer.pattern then
              local d = layer.mask:sum() / layer.mask:numel()
              assert.are.equal(math.floor(layer.in_features * layer.out_features * d),
                               layer:flops { layer.in_features })
            end
            macs = macs + layer:flops { layer.in_features or 1 }
          end
          assert.are.equal(macs, model:flops { 784 })
        end
      end
    end)
  end)

  describe('describe', function()
    it('names the mask, the connections, dead outputs and the bias', function()
      assert.are.equal('nn.BibdLinear(784 -> 49, paper, 1372 of 38416 connections (3.6%))',
                       nn.BibdLinear(784, 49, { mask = 'paper' }):describe())
      assert.are.equal('nn.RandomSparseLinear(784 -> 49, like paper, seed 7, 1372 of 38416 '
                       .. 'connections (3.6%))',
                       nn.RandomSparseLinear(784, 49, { seed = 7 }):describe())
      assert.are.equal('nn.SparseLinear(3 -> 2, 1 of 6 connections (16.7%), 1 dead output, bias)',
                       nn.SparseLinear(iddl.tensor { { 0, 1, 0 }, { 0, 0, 0 } },
                                       { bias = true }):describe())
      local m = nn.BibdLinear(2, 2, { mask = iddl.tensor { { 1, 0 }, { 0, 1 } } })
      assert.are.equal('nn.BibdLinear(2 -> 2, custom, 2 of 4 connections (50.0%))', m:describe())
      assert.truthy(tostring(m):find('[weight 2: 2 params]', 1, true))
    end)

    it('a dead output stays at its bias', function()
      local m = nn.SparseLinear(iddl.tensor { { 1, 1 }, { 0, 0 } }, { bias = true })
      m.bias:copy_(iddl.tensor { 0, 3 })
      local y = m:forward(iddl.randn(4, 2))
      H.assert_close(y:select(2, 2), iddl.full({ 4 }, 3), 0, 0)
    end)
  end)

  describe('bad input', function()
    it('rejects masks that are not 2-D 0/1 tensors', function()
      H.assert_error_contains({ 'nn.SparseLinear', 'mask must be 2-D (out, in)', 'shape 4' },
                              nn.SparseLinear, iddl.ones(4))
      H.assert_error_contains({ 'nn.SparseLinear', 'mask must be a tensor' },
                              nn.SparseLinear, { { 1 } })
      H.assert_error_contains({ 'mask entry (2, 1) is 0.5', 'expected 0 or 1' },
                              nn.SparseLinear, iddl.tensor { { 1, 0 }, { 0.5, 1 } })
      H.assert_error_contains({ 'nn.BibdLinear', 'must be 3x2 (out, in)', 'shape 2x3' },
                              nn.BibdLinear, 2, 3, { mask = iddl.ones(2, 3) })
      H.assert_error_contains({ 'nn.BibdLinear', 'in_features must be an integer >= 1' },
                              nn.BibdLinear, 0, 3)
      H.assert_error_contains({ 'nn.RandomSparseLinear', 'out_features', '2.5' },
                              nn.RandomSparseLinear, 3, 2.5)
      H.assert_error_contains("unknown method 'magic'", nn.BibdLinear, 3, 3, { mask = 'magic' })
    end)

    it('reports a mask method that gives no mask or a wrongly shaped one', function()
      local real = iddl.bibd.mask
      iddl.bibd.mask = function() return nil, 'no (784, 49, 1) design known' end
      local ok1, e1 = pcall(nn.BibdLinear, 784, 49, { mask = 'design' })
      iddl.bibd.mask = function() return iddl.ones(3, 3) end
      local ok2, e2 = pcall(nn.RandomSparseLinear, 4, 3)
      iddl.bibd.mask = real
      assert.is_false(ok1)
      assert.truthy(e1:find("nn.BibdLinear: iddl.bibd.mask gave no design mask for 784 -> 49: "
                            .. "no (784, 49, 1) design known", 1, true))
      assert.is_false(ok2)
      assert.truthy(e2:find('nn.RandomSparseLinear: the mask must be 3x4 (out, in), got shape 3x3',
                            1, true))
    end)

    it('names both shapes when the input or gradOutput does not fit', function()
      local m = nn.BibdLinear(9, 12, { mask = 'paper' })
      H.assert_error_contains({ 'input of shape 4x8', 'mask of shape 12x9', '(..., 9)' },
                              m.forward, m, iddl.randn(4, 8))
      H.assert_error_contains({ 'input of shape 2x3x5', 'mask of shape 12x9' },
                              m.forward, m, iddl.randn(2, 3, 5))
      local x = iddl.randn(4, 9)
      m:forward(x)
      H.assert_error_contains({ 'gradOutput of shape 4x11', 'input of shape 4x9', '12 outputs' },
                              m.backward, m, x, iddl.randn(4, 11))
      H.assert_error_contains({ 'flops', 'does not end in 9' }, m.flops, m, { 8 })
      local p, gw = m.pattern, iddl.zeros(m.pattern:nnz())
      H.assert_error_contains({ 'saved tiled input of shape 5', 'input of shape 4x9' },
                              sc.linear_backward, p, nil, gw, nil, iddl.empty(0), iddl.empty(0),
                              iddl.empty(0), x, iddl.randn(4, 12), iddl.randn(5), m.weight)
    end)

    it('set_dense_weight refuses other shapes and values outside the mask', function()
      local m = nn.SparseLinear(iddl.tensor { { 1, 0 }, { 0, 1 } })
      local before = m.weight:clone()
      H.assert_error_contains({ 'set_dense_weight', 'expected a 2x2 tensor', 'shape 3x2' },
                              m.set_dense_weight, m, iddl.ones(3, 2))
      H.assert_error_contains({ 'set_dense_weight', 'is 0.5 at (1, 2)', 'no connection' },
                              m.set_dense_weight, m, iddl.tensor { { 1, 0.5 }, { 0, 1 } })
      H.assert_close(m.weight, before, 0, 0, 'unchanged')
    end)
  end)

  describe('iddl.sparse_core products with kk taps per connection', function()
    it('spmm, spmm_t and sddmm agree with dense matrix products (kk = 9)', function()
      local mask = random_mask(6, 5, 0.5)
      local p = sc.pattern(mask)
      local kk, P = 9, 37
      local w = iddl.randn(p:nnz(), kk)
      local dense = sc.unpack(p, w, iddl.empty(0)):view(6, 5 * kk) -- (rows, cols*kk)
      local x, dy = iddl.randn(5 * kk, P), iddl.randn(6, P)
      H.assert_close(sc.spmm(p, kk, w, x, iddl.empty(0)), iddl.matmul(dense, x), 1e-5, 1e-5)
      H.assert_close(sc.spmm_t(p, kk, w, dy, iddl.empty(0)), iddl.matmul(dense:t(), dy),
                     1e-5, 1e-5)
      local dw = sc.sddmm(p, kk, dy, x, iddl.zeros(p:nnz(), kk), 2)
      local full = iddl.matmul(dy, x:t()):view(6, 5, kk) * 2
      H.assert_close(sc.unpack(p, dw, iddl.empty(0)), full * mask:view(6, 5, 1), 1e-5, 1e-4)
      local y = sc.spmm(p, kk, w, x, iddl.empty(0))
      H.assert_close(sc.spmm(p, kk, w, x, y:clone(), true), y * 2, 1e-6, 1e-6, 'accumulate')
      H.assert_close(sc.pack(p, sc.unpack(p, w, iddl.empty(0)), iddl.empty(0)), w, 0, 0)
    end)

    it('uses views with rows further apart than their width in place', function()
      local p = sc.pattern(random_mask(6, 5, 0.5))
      local kk, P = 9, 21
      local w = iddl.randn(p:nnz(), kk)
      local xbig, ybig, dxbig = iddl.randn(5 * kk, P + 7), iddl.randn(6, P + 3),
                                iddl.randn(5 * kk, P + 4)
      local x, y, dx = xbig:narrow(2, 2, P), ybig:narrow(2, 1, P), dxbig:narrow(2, 3, P)
      local ypad, dxpad = ybig:narrow(2, P + 1, 3):clone(), dxbig:narrow(2, 1, 2):clone()
      local yc = sc.spmm(p, kk, w, x:contiguous(), iddl.empty(0))
      assert.are.equal(y, sc.spmm(p, kk, w, x, y))
      H.assert_close(y, yc, 0, 0, 'spmm into a view')
      H.assert_close(ybig:narrow(2, P + 1, 3), ypad, 0, 0, 'padding of y')
      sc.spmm_t(p, kk, w, y, dx)
      H.assert_close(dx, sc.spmm_t(p, kk, w, yc, iddl.empty(0)), 0, 0, 'spmm_t from a view')
      H.assert_close(dxbig:narrow(2, 1, 2), dxpad, 0, 0, 'padding of dx')
      local dw = sc.sddmm(p, kk, y, x, iddl.zeros(p:nnz(), kk))
      H.assert_close(dw, sc.sddmm(p, kk, yc, x:contiguous(), iddl.zeros(p:nnz(), kk)),
                     0, 0, 'sddmm of views')
    end)

    it('checks the shapes it is given', function()
      local p = sc.pattern(iddl.ones(2, 3))
      H.assert_error_contains({ 'input of shape 5x4', 'expected 27xP' },
                              sc.spmm, p, 9, iddl.randn(6, 9), iddl.randn(5, 4), iddl.empty(0))
      H.assert_error_contains({ 'weight of shape 6x8', '6 connections x 9 taps' },
                              sc.spmm, p, 9, iddl.randn(6, 8), iddl.randn(27, 4), iddl.empty(0))
      H.assert_error_contains({ 'kk must be >= 1' },
                              sc.spmm_t, p, 0, iddl.randn(6), iddl.randn(2, 4), iddl.empty(0))
      H.assert_error_contains({ 'output of shape 2x5', 'cannot accumulate a (2, 4)' },
                              sc.spmm, p, 1, iddl.randn(6), iddl.randn(3, 4), iddl.randn(2, 5), true)
      H.assert_error_contains({ 'input of shape 3x5', 'expected 3x4' },
                              sc.sddmm, p, 1, iddl.randn(2, 4), iddl.randn(3, 5), iddl.zeros(6))
      H.assert_error_contains({ 'dense weight of shape 3x3', 'mask of shape 2x3' },
                              sc.pack, p, iddl.randn(3, 3), iddl.empty(0))
      H.assert_error_contains({ 'mask must be 2-D', 'shape 2x3x1' }, sc.pattern, iddl.ones(2, 3, 1))
      assert.are.equal('SparsePattern(2x3, 6 connections)', tostring(p))
    end)
  end)

  describe('models.mlp sparse variants', function()
    it("B- and R- names build the seed's models: sparse hidden layers, dense output", function()
      local b = iddl.models.mlp { name = 'B-MLP-3-4' }
      local kids = b:children()
      assert.are.equal(5, #kids)
      assert.are.equal('nn.BibdLinear(784 -> 49, paper, 1372 of 38416 connections (3.6%))',
                       kids[1]:describe())
      assert.are.equal('nn.BibdLinear', kids[3]:typename())
      assert.is_nil(kids[1].bias)
      assert.are.equal('nn.Linear(56 -> 10)', kids[5]:describe())
      local r = iddl.models.mlp { name = 'R-MLP-3-1', seed = 4 }
      assert.are.equal('nn.RandomSparseLinear', r:children()[1]:typename())
      assert.are.equal(4, r:children()[1].seed)
      assert.are.equal(5, r:children()[3].seed)
      local y = r:forward(iddl.rand(3, 784))
      assert.are.same({ 3, 10 }, y:size())
    end)

    it('sparsity and mask options; the dense API unchanged', function()
      local m = iddl.models.mlp { hidden = { 30 }, sparsity = 'bibd', input = 20, classes = 4 }
      assert.are.equal('nn.BibdLinear', m:children()[1]:typename())
      assert.are.equal(13064, iddl.models.mlp { name = 'MLP-3-1' }:nparams { weights_only = true })
      assert.are.equal('nn.Linear', iddl.models.mlp { hidden = { 5 } }:children()[1]:typename())
      H.assert_error_contains("sparsity must be 'none', 'bibd' or 'random', got dense",
                              iddl.models.mlp, { name = 'MLP-3-1', sparsity = 'dense' })
      H.assert_error_contains("name B-MLP-3-1 asks for sparsity 'bibd'",
                              iddl.models.mlp, { name = 'B-MLP-3-1', sparsity = 'random' })
      H.assert_error_contains('known name', iddl.models.mlp, { name = 'B-MLP-9' })
    end)
  end)
end)
