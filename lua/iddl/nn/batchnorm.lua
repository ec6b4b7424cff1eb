-- nn/batchnorm.lua - nn.BatchNorm1d(C[, opts]) on (N, C) or (N, C, L) and
-- nn.BatchNorm2d(C[, opts]) on (N, C, H, W), as PyTorch's. opts: eps = 1e-5,
-- momentum = 0.1, affine = true (weight (C) = 1, bias (C) = 0, learned),
-- track_running_stats = true (buffers running_mean (C) = 0, running_var (C)
-- = 1, saved by checkpoints through m:buffers()), relu = false (a ReLU
-- fused in: output max(BN(x), 0) in the same pass over the activations,
-- and backward masks gradOutput by it, so the pair costs one pass, not
-- three; the output is then the ReLU's).
--
-- Training mode normalises with the batch's mean and biased variance and
-- moves the running statistics towards the mean and the unbiased variance
-- by `momentum`; backward is the full gradient through the batch
-- statistics. Eval mode normalises with the running statistics (batch
-- statistics always when track_running_stats is false). Kernels:
-- src/nn_batchnorm.c.
local iddl = require 'iddl.core'
local core = require 'iddl.bnpool_core'
local M = require 'iddl.nn.module'

local B = {}

local BatchNorm = M.class('nn.BatchNorm', M.Module) -- the shared base

local DEFAULTS = { eps = 1e-5, momentum = 0.1, affine = true,
                   track_running_stats = true, relu = false }

-- The constructor of BatchNorm1d and BatchNorm2d (whose classes hold the
-- accepted ranks); errors name the subclass.
function BatchNorm:__init(num_features, opts)
  M.Module.__init(self)
  local name = self:typename():gsub('^nn%.', '')
  if math.type(num_features) ~= 'integer' or num_features < 1 then
    error(string.format('nn.%s: num_features must be a positive integer, got %s',
                        name, tostring(num_features)), 3)
  end
  opts = opts or {}
  for k in pairs(opts) do
    if DEFAULTS[k] == nil then
      error(string.format('nn.%s: unknown option %s', name, tostring(k)), 3)
    end
  end
  for k, v in pairs(DEFAULTS) do
    local o = opts[k]
    if o == nil then o = v end
    if type(o) ~= type(v) then
      error(string.format('nn.%s: option %s must be a %s, got %s', name, k,
                          type(v), tostring(o)), 3)
    end
    self[k] = o
  end
  if self.eps <= 0 or self.momentum < 0 or self.momentum > 1 then
    error(string.format('nn.%s: need eps > 0 and momentum in [0, 1], got %g and %g',
                        name, self.eps, self.momentum), 3)
  end
  self.num_features = num_features
  if self.affine then
    self.weight, self.bias = iddl.empty(num_features), iddl.empty(num_features)
    self.gradWeight, self.gradBias = iddl.zeros(num_features), iddl.zeros(num_features)
  end
  if self.track_running_stats then
    self.running_mean, self.running_var = iddl.empty(num_features), iddl.empty(num_features)
    self.buffer_names = { 'running_mean', 'running_var' }
  end
  self.save_mean = iddl.empty(0)   -- (C) mean used by the last forward
  self.save_invstd = iddl.empty(0) -- (C) 1 / sqrt(var + eps) used by it
  self:reset()
end

-- weight 1, bias 0, running_mean 0, running_var 1 (PyTorch's start).
function BatchNorm:reset()
  if self.weight then self.weight:fill_(1); self.bias:fill_(0) end
  self:reset_running_stats()
  return self
end

-- running_mean 0, running_var 1 (when tracked).
function BatchNorm:reset_running_stats()
  if self.running_mean then self.running_mean:fill_(0); self.running_var:fill_(1) end
  return self
end

-- Raises unless input has an accepted rank and C channels.
function BatchNorm:check_input(input)
  local d = input:dim()
  if not self.ranks[d] then
    error(string.format('%s: expected %s input, got shape %s', self:describe(),
                        self.rank_text, input:shape_str()), 0)
  end
  if input:size(2) ~= self.num_features then
    error(string.format('%s: input of shape %s has %d channels, expected %d '
                        .. '(running_mean/weight of shape %d)', self:describe(),
                        input:shape_str(), input:size(2), self.num_features,
                        self.num_features), 0)
  end
end

-- Whether this forward uses (and backward differentiates) batch statistics.
function BatchNorm:uses_batch_stats()
  return self.training or not self.track_running_stats
end

-- Normalises with the batch statistics (updating the running ones) or the
-- running statistics, as uses_batch_stats() says; remembers which.
function BatchNorm:updateOutput(input)
  self:check_input(input)
  self.batch_stats = self:uses_batch_stats()
  local ok, err = pcall(core.batchnorm_forward, self.output, self.save_mean,
                        self.save_invstd, input, self.weight, self.bias,
                        self.running_mean, self.running_var, self.batch_stats,
                        self.momentum, self.eps, self.relu)
  if not ok then error(self:describe() .. ': ' .. err, 0) end
  return self.output
end

-- One kernel call gives the input gradient and/or accumulates the
-- parameter gradients (the sums they share are computed once).
function BatchNorm:compute_grads(input, gradOutput, gi, scale)
  if self.batch_stats == nil then
    error(self:describe() .. ': backward needs a forward first', 0)
  end
  local gw, gb
  if self.affine and scale then gw, gb = self.gradWeight, self.gradBias end
  local ok, err = pcall(core.batchnorm_backward, gi, gw, gb, gradOutput, input,
                        self.save_mean, self.save_invstd, self.weight,
                        self.batch_stats, scale or 1, self.relu and self.output or nil)
  if not ok then error(self:describe() .. ': ' .. err, 0) end
  return gi
end

-- The input gradient alone (parameter gradients untouched).
function BatchNorm:updateGradInput(input, gradOutput)
  return self:compute_grads(input, gradOutput, self.gradInput, nil)
end

-- gradWeight, gradBias += scale * their gradients (affine only).
function BatchNorm:accGradParameters(input, gradOutput, scale)
  if self.affine then self:compute_grads(input, gradOutput, nil, scale or 1) end
end

-- Both at once, sharing the sums; nil without input gradient (input_grad).
function BatchNorm:backward(input, gradOutput, scale)
  local gi = self.need_input_grad ~= false and self.gradInput or nil
  if not gi and not self.affine then return nil end
  return self:compute_grads(input, gradOutput, gi, scale or 1)
end

-- 2 per output element (DESIGN §4); shape is one sample's, e.g. {C, H, W}.
function BatchNorm:flops(shape)
  if not self.ranks[#shape + 1] or shape[1] ~= self.num_features then
    error(string.format('%s: flops: sample shape {%s} is not %s without the batch',
                        self:describe(), table.concat(shape, ', '),
                        self.rank_text), 2)
  end
  local n, out = 1, {}
  for i, s in ipairs(shape) do n, out[i] = n * s, s end
  return 2 * n, out
end

-- e.g. nn.BatchNorm2d(64, momentum=0.01): the non-default options.
function BatchNorm:describe()
  local extra = {}
  for _, k in ipairs { 'eps', 'momentum', 'affine', 'track_running_stats', 'relu' } do
    if self[k] ~= DEFAULTS[k] then extra[#extra + 1] = k .. '=' .. tostring(self[k]) end
  end
  return string.format('%s(%d%s)', self:typename(), self.num_features,
                       #extra > 0 and ', ' .. table.concat(extra, ', ') or '')
end

local BatchNorm1d = M.class('nn.BatchNorm1d', BatchNorm)
BatchNorm1d.ranks = { [2] = true, [3] = true }
BatchNorm1d.rank_text = 'a 2-D (N, C) or 3-D (N, C, L)'
B.BatchNorm1d = BatchNorm1d

local BatchNorm2d = M.class('nn.BatchNorm2d', BatchNorm)
BatchNorm2d.ranks = { [4] = true }
BatchNorm2d.rank_text = 'a 4-D (N, C, H, W)'
B.BatchNorm2d = BatchNorm2d

return B
