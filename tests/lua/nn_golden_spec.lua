-- nn_golden_spec.lua - iddl.nn against PyTorch: forward, backward and
-- parameter gradients of every module and criterion on fixed inputs, from
-- tests/golden/nn (written by tests/gen_nn_golden.py; torch is not needed
-- here). References are float64 computations on the float32 inputs.
local iddl = iddl or require 'iddl'
local H = dofile(debug.getinfo(1, 'S').source:match('^@(.*[/\\])') .. 'helpers.lua')
local nn = iddl.nn

local cases, load = H.golden('nn')
local RTOL, ATOL = 1e-5, 1e-6

describe('nn golden (PyTorch parity)', function()
  it('has the cases', function()
    assert.is_true(#cases >= 20)
  end)

  for _, c in ipairs(cases) do
    if c.module then
      it(c.name .. ': forward, gradInput and parameter gradients', function()
        local m = nn[c.module](table.unpack(c.args))
        for pname, file in pairs(c.params) do m[pname]:copy_(load(file)) end
        H.assert_golden_forward_backward(m, c, load, RTOL, ATOL)
        H.assert_golden_grads(m, c.grads, load, RTOL, ATOL)
      end)
    else
      it(c.name .. ': loss and gradInput', function()
        local opts = { reduction = c.opts.reduction }
        if c.opts.weight then opts.weight = load(c.opts.weight) end
        local crit = nn[c.criterion](opts)
        local x, t = load(c.input), load(c.target)
        local sw = c.sample_weight and load(c.sample_weight)
        H.assert_close(crit:forward(x, t, sw), c.loss, RTOL, ATOL, 'loss')
        H.assert_close(crit:backward(x, t, sw), load(c.grad_input), RTOL, ATOL,
                       'gradInput')
      end)
    end
  end
end)
