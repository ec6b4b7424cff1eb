-- lr_scheduler.lua - learning-rate schedules stepped once per epoch:
-- StepLR, MultiStepLR, CosineAnnealingLR with PyTorch's values (closed
-- forms). Each sets opt.lr on construction (epoch 0: the base lr) and on
-- every :step().
--
--   local sched = iddl.optim.StepLR(opt, {step_size = 30, gamma = 0.1})
--   for epoch = 1, n do train(); sched:step() end
local Scheduler = {}
Scheduler.__index = Scheduler

-- The lr of the current epoch (PyTorch's get_last_lr()[0]).
function Scheduler:get_lr()
  return self:lr_at(self.last_epoch)
end

-- Advances one epoch, sets the optimizer's lr and returns it.
function Scheduler:step()
  self.last_epoch = self.last_epoch + 1
  self.optimizer.lr = self:lr_at(self.last_epoch)
  return self.optimizer.lr
end

-- {kind=, last_epoch=, base_lr=, <options>}.
function Scheduler:state_dict()
  local sd = { kind = self.NAME, last_epoch = self.last_epoch, base_lr = self.base_lr }
  for k in pairs(self.DEFAULTS) do
    local v = self[k]
    if type(v) == 'table' then v = table.move(v, 1, #v, 1, {}) end
    sd[k] = v
  end
  return sd
end

-- Restores a state_dict of the same kind and sets the optimizer's lr to the
-- restored epoch's value.
function Scheduler:load_state_dict(sd)
  if type(sd) ~= 'table' or sd.kind ~= self.NAME then
    error(string.format('%s.load_state_dict: expected the state of a %s, got %s',
                        self.NAME, self.NAME,
                        type(sd) == 'table' and tostring(sd.kind) or type(sd)), 2)
  end
  if math.type(sd.last_epoch) ~= 'integer' or type(sd.base_lr) ~= 'number' then
    error(self.NAME .. '.load_state_dict: last_epoch (integer) and base_lr (number) are required', 2)
  end
  for k in pairs(self.DEFAULTS) do
    if sd[k] ~= nil then self[k] = sd[k] end
  end
  self.last_epoch, self.base_lr = sd.last_epoch, sd.base_lr
  self:check()
  self.optimizer.lr = self:lr_at(self.last_epoch)
end

local function make_class(name, defaults, check, lr_at)
  local C = setmetatable({ NAME = name, DEFAULTS = defaults, check = check,
                           lr_at = lr_at }, { __index = Scheduler })
  C.__index = C
  return function(opt, opts)
    if type(opt) ~= 'table' or type(opt.lr) ~= 'number' then
      error(name .. ': the first argument must be an optimizer (with a numeric lr)', 2)
    end
    local self = setmetatable({ optimizer = opt, base_lr = opt.lr, last_epoch = 0 }, C)
    for k, v in pairs(opts or {}) do
      if defaults[k] == nil then
        error(string.format("%s: unknown option '%s'", name, tostring(k)), 2)
      end
      self[k] = v
    end
    for k, v in pairs(defaults) do
      if self[k] == nil then self[k] = v end
    end
    local ok, err = pcall(C.check, self)
    if not ok then error(err, 2) end
    opt.lr = self:lr_at(0)
    return self
  end
end

-- Checks that option k is a positive number (an integer if `integer`; an
-- integral float such as 3.0 is converted).
local function positive(name, self, k, integer)
  local v = self[k]
  if integer and type(v) == 'number' then v = math.tointeger(v) or v end
  if type(v) ~= 'number' or v <= 0 or (integer and math.type(v) ~= 'integer') then
    error(string.format('%s: option %s must be a positive %s, got %s', name, k,
                        integer and 'integer' or 'number', tostring(v)), 0)
  end
  self[k] = v
end

local S = {}

-- lr = base_lr * gamma ^ floor(epoch / step_size)
S.StepLR = make_class('StepLR', { step_size = false, gamma = 0.1 },
  function(self)
    positive('StepLR', self, 'step_size', true)
    positive('StepLR', self, 'gamma')
  end,
  function(self, e) return self.base_lr * self.gamma ^ (e // self.step_size) end)

-- lr = base_lr * gamma ^ (number of milestones <= epoch)
S.MultiStepLR = make_class('MultiStepLR', { milestones = false, gamma = 0.1 },
  function(self)
    local m = self.milestones
    if type(m) ~= 'table' then error('MultiStepLR: option milestones (a list of epochs) is required', 0) end
    local copy = {}
    for i, v in ipairs(m) do
      copy[i] = type(v) == 'number' and math.tointeger(v)
      if not copy[i] then
        error(string.format('MultiStepLR: milestones[%d] must be an integer, got %s', i, tostring(v)), 0)
      end
    end
    self.milestones = copy
    positive('MultiStepLR', self, 'gamma')
  end,
  function(self, e)
    local passed = 0
    for _, m in ipairs(self.milestones) do
      if m <= e then passed = passed + 1 end
    end
    return self.base_lr * self.gamma ^ passed
  end)

-- lr = eta_min + (base_lr - eta_min) * (1 + cos(pi * epoch / T_max)) / 2
S.CosineAnnealingLR = make_class('CosineAnnealingLR', { T_max = false, eta_min = 0 },
  function(self)
    positive('CosineAnnealingLR', self, 'T_max')
    if type(self.eta_min) ~= 'number' then error('CosineAnnealingLR: option eta_min must be a number', 0) end
  end,
  function(self, e)
    return self.eta_min + (self.base_lr - self.eta_min) * (1 + math.cos(math.pi * e / self.T_max)) / 2
  end)

return S
