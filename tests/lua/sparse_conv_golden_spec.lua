-- sparse_conv_golden_spec.lua - the channel-sparse convolutions against the
-- seed's masked convolution in PyTorch (F.conv2d with weight * mask):
-- forward, gradInput, the dense weight gradient (masked) and the bias
-- gradient, from tests/golden/sparse_conv (written by
-- tests/gen_sparse_conv_golden.py; torch is not needed here). References
-- are float64 computations on the float32 inputs.
local iddl = iddl or require 'iddl'
local H = dofile(debug.getinfo(1, 'S').source:match('^@(.*[/\\])') .. 'helpers.lua')
local nn = iddl.nn

local dir = H.dir_of() .. '../golden/sparse_conv/'
local cases = dofile(dir .. 'cases.lua')
local RTOL, ATOL = 1e-5, 1e-5

local function load(file) return iddl.npy.load(dir .. file) end

describe('sparse conv golden (the seed\'s masked convolution in PyTorch)', function()
  it('has the cases', function()
    assert.are.equal(4, #cases)
  end)

  for _, c in ipairs(cases) do
    it(c.name .. ': forward, gradInput and parameter gradients', function()
      local mask = load(c.mask)
      local opts = {}
      for k, v in pairs(c.opts) do opts[k] = v end
      local m
      if c.method then -- the seed's mask must come out of BibdConv2d too
        opts.mask = c.method
        m = nn.BibdConv2d(c.cin, c.cout, c.k, opts)
        H.assert_close(m.mask, mask, 0, 0, 'mask')
      else
        opts.mask = mask
        m = nn.SparseConv2d(c.cin, c.cout, c.k, opts)
      end
      m:set_dense_weight(load(c.weight))
      H.assert_close(m:dense_weight(), load(c.weight), 0, 0, 'dense_weight')
      if c.bias_value then m.bias:copy_(load(c.bias_value)) end
      local x = load(c.input)
      H.assert_close(m:forward(x), load(c.output), RTOL, ATOL, 'output')
      m:zero_grad()
      H.assert_close(m:backward(x, load(c.grad_output)), load(c.grad_input), RTOL,
                     ATOL, 'gradInput')
      H.assert_close(m:dense_weight(m.gradWeight), load(c.grad_weight), RTOL, ATOL, 'gradWeight')
      if c.grad_bias then H.assert_close(m.gradBias, load(c.grad_bias), RTOL, ATOL, 'gradBias') end
    end)
  end
end)
