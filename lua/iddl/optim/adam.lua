-- adam.lua - Adam and AdamW (PyTorch 1.13's formulas: bias correction,
-- optional amsgrad; Adam adds weight decay to the gradient, AdamW decays the
-- parameter directly), one fused C kernel per parameter.
--
--   local opt = iddl.optim.Adam(model, {lr = 1e-3})
--   local opt = iddl.optim.AdamW(params, grads, {lr = 1e-3, weight_decay = 1e-2})
local core = require 'iddl.core'
local kernels = require 'iddl.optim_core'
local Optimizer = require 'iddl.optim.optimizer'

local function make_class(name, decoupled, default_wd)
  local C = {
    NAME = name,
    DEFAULTS = { lr = 1e-3, betas = { 0.9, 0.999 }, eps = 1e-8,
                 weight_decay = default_wd, amsgrad = false },
    decoupled = decoupled,
  }
  C.__index = C
  setmetatable(C, { __index = Optimizer })

  -- Checks the options (PyTorch's rules).
  function C:check()
    for _, k in ipairs { 'lr', 'eps', 'weight_decay' } do
      if type(self[k]) ~= 'number' or self[k] < 0 then
        error(string.format('%s: option %s must be a number >= 0, got %s', name, k,
                            tostring(self[k])), 0)
      end
    end
    local b = self.betas
    if type(b) ~= 'table' or #b ~= 2 then
      error(name .. ': option betas must be a list of two numbers', 0)
    end
    for j = 1, 2 do
      if type(b[j]) ~= 'number' or b[j] < 0 or b[j] >= 1 then
        error(string.format('%s: betas[%d] must be in [0, 1), got %s', name, j,
                            tostring(b[j])), 0)
      end
    end
  end

  -- One update of every parameter; each parameter's state holds its step
  -- count and the exp_avg, exp_avg_sq (and max_exp_avg_sq) tensors.
  function C:step()
    local adam_step, zeros_like = kernels.adam_step, core.zeros_like
    local lr, b1, b2 = self.lr, self.betas[1], self.betas[2]
    local eps, wd, amsgrad = self.eps, self.weight_decay, self.amsgrad
    local grads, state = self.grads, self.state
    for i, p in ipairs(self.params) do
      local st = state[i]
      if st.exp_avg == nil then
        st.step = 0
        st.exp_avg = zeros_like(p)
        st.exp_avg_sq = zeros_like(p)
      end
      if amsgrad and st.max_exp_avg_sq == nil then st.max_exp_avg_sq = zeros_like(p) end
      st.step = st.step + 1
      adam_step(i, p, grads[i], st.exp_avg, st.exp_avg_sq,
                amsgrad and st.max_exp_avg_sq or nil, lr, b1, b2, eps, wd,
                st.step, decoupled)
    end
  end

  return function(a, b, c)
    local ok, r = pcall(Optimizer.new, C, a, b, c)
    if not ok then error(r, 2) end
    return r
  end
end

return {
  Adam = make_class('Adam', false, 0),
  AdamW = make_class('AdamW', true, 1e-2),   -- PyTorch's AdamW default decay
}
