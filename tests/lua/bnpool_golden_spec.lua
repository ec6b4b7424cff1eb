-- bnpool_golden_spec.lua - BatchNorm1d/2d and pooling against PyTorch:
-- forward, gradInput and parameter gradients of two training steps and one
-- eval step, running statistics after the training steps, and pooling
-- forward/backward over kernels 2/3, strides 1/2, padding 0/1, ceil_mode,
-- dilation, count_include_pad and adaptive sizes, from tests/golden/bnpool
-- (written by tests/gen_bnpool_golden.py; torch is not needed here).
-- References are float64 computations on the float32 inputs.
local iddl = iddl or require 'iddl'
local H = dofile(debug.getinfo(1, 'S').source:match('^@(.*[/\\])') .. 'helpers.lua')
local nn = iddl.nn

local cases, load = H.golden('bnpool')
local RTOL, ATOL = 1e-5, 5e-6

-- One forward + backward from zeroed gradients, compared with step s.
local function check_step(m, s, what)
  H.assert_golden_forward_backward(m, s, load, RTOL, ATOL, what)
  if s.grad_weight then
    H.assert_close(m.gradWeight, load(s.grad_weight), RTOL, ATOL, what .. ' gradWeight')
    H.assert_close(m.gradBias, load(s.grad_bias), RTOL, ATOL, what .. ' gradBias')
  else
    assert.is_nil(m.gradWeight)
  end
end

describe('batch norm and pooling golden (PyTorch parity)', function()
  it('has the cases', function()
    local kinds = {}
    for _, c in ipairs(cases) do kinds[c.module] = (kinds[c.module] or 0) + 1 end
    assert.is_true(kinds.BatchNorm2d >= 5 and kinds.BatchNorm1d >= 4)
    assert.is_true(kinds.MaxPool2d >= 16 and kinds.AvgPool2d >= 16)
    assert.is_true(kinds.AdaptiveAvgPool2d >= 5)
  end)

  for _, c in ipairs(cases) do
    if c.steps then
      it(c.name .. ': two training steps, running statistics, one eval step', function()
        local m = nn[c.module](table.unpack(c.args))
        if c.weight then
          m.weight:copy_(load(c.weight))
          m.bias:copy_(load(c.bias))
        end
        for i, s in ipairs(c.steps) do check_step(m, s, 'step ' .. i) end
        if c.running_mean then
          H.assert_close(m.running_mean, load(c.running_mean), RTOL, ATOL, 'running_mean')
          H.assert_close(m.running_var, load(c.running_var), RTOL, ATOL, 'running_var')
        else
          assert.is_nil(m.running_mean)
        end
        m:eval()
        check_step(m, c.eval, 'eval')
      end)
    else
      it(c.name .. ': forward and gradInput', function()
        H.assert_golden_forward_backward(nn[c.module](table.unpack(c.args)), c, load,
                                         RTOL, ATOL)
      end)
    end
  end
end)
