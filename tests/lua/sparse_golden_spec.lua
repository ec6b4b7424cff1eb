-- sparse_golden_spec.lua - the sparse linear layers against the seed's
-- masked dense layer in PyTorch: forward, gradInput, and the weight
-- gradient (dense, masked) and bias gradient, from tests/golden/sparse
-- (written by tests/gen_sparse_golden.py; torch is not needed here).
-- References are float64 computations on the float32 inputs.
local iddl = iddl or require 'iddl'
local H = dofile(debug.getinfo(1, 'S').source:match('^@(.*[/\\])') .. 'helpers.lua')
local nn = iddl.nn

local cases, load = H.golden('sparse')
local RTOL, ATOL = 1e-5, 1e-6

describe('sparse linear golden (the seed\'s masked layer in PyTorch)', function()
  it('has the cases', function()
    assert.are.equal(3, #cases)
  end)

  for _, c in ipairs(cases) do
    it(c.name .. ': forward, gradInput and parameter gradients', function()
      local mask = load(c.mask)
      local m
      if c.method then -- the seed's mask must come out of iddl.bibd too
        m = nn.BibdLinear(c.in_features, c.out_features, { mask = c.method, bias = c.bias })
        H.assert_close(m.mask, mask, 0, 0, 'mask')
      else
        m = nn.SparseLinear(mask, { bias = c.bias })
      end
      m:set_dense_weight(load(c.weight))
      if c.bias then m.bias:copy_(load(c.bias_value)) end
      H.assert_golden_forward_backward(m, c, load, RTOL, ATOL)
      local gw = require('iddl.sparse_core').unpack(m.pattern, m.gradWeight, iddl.empty(0))
      H.assert_close(gw, load(c.grad_weight), RTOL, ATOL, 'gradWeight')
      if c.bias then H.assert_close(m.gradBias, load(c.grad_bias), RTOL, ATOL, 'gradBias') end
    end)
  end
end)
