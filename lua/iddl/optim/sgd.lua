-- sgd.lua - stochastic gradient descent with momentum, dampening, Nesterov
-- and weight decay: PyTorch 1.13's torch.optim.SGD, one fused C kernel per
-- parameter (iddl.optim_core.sgd_step).
--
--   local opt = iddl.optim.SGD(model, {lr = 0.01, momentum = 0.5})
--   opt:zero_grad(); <forward, backward>; opt:step()
local core = require 'iddl.core'
local kernels = require 'iddl.optim_core'
local Optimizer = require 'iddl.optim.optimizer'

local SGD = {
  NAME = 'SGD',
  DEFAULTS = { lr = false, momentum = 0, dampening = 0, nesterov = false,
               weight_decay = 0 },
}
SGD.__index = SGD
setmetatable(SGD, { __index = Optimizer })

-- Checks the options (PyTorch's rules).
function SGD:check()
  local function num(k)
    if type(self[k]) ~= 'number' then
      error(string.format('SGD: option %s must be a number, got %s', k, type(self[k])), 0)
    end
    if self[k] < 0 then error(string.format('SGD: option %s must be >= 0, got %g', k, self[k]), 0) end
  end
  num('lr'); num('momentum'); num('dampening'); num('weight_decay')
  if self.nesterov and (self.momentum <= 0 or self.dampening ~= 0) then
    error('SGD: nesterov needs momentum > 0 and dampening = 0', 0)
  end
end

-- One update of every parameter from its gradient.
function SGD:step()
  local sgd_step, zeros_like = kernels.sgd_step, core.zeros_like
  local lr, mom, damp = self.lr, self.momentum, self.dampening
  local nesterov, wd = self.nesterov, self.weight_decay
  local grads, state = self.grads, self.state
  for i, p in ipairs(self.params) do
    local buf, first = nil, false
    if mom ~= 0 then
      local st = state[i]
      buf = st.momentum_buffer
      if buf == nil then
        buf = zeros_like(p)
        st.momentum_buffer = buf
        first = true
      end
    end
    sgd_step(i, p, grads[i], buf, lr, mom, damp, nesterov, wd, first)
  end
end

-- SGD(model, opts) or SGD(params, grads, opts); opts.lr is required.
return function(a, b, c)
  local ok, r = pcall(Optimizer.new, SGD, a, b, c)
  if not ok then error(r, 2) end
  return r
end
