-- nn/weight_init.lua - parameter initialisers (iddl.nn.init), as
-- torch.nn.init: every draw comes from iddl's seeded generator, so
-- iddl.manual_seed makes models reproducible. Each function fills the tensor
-- in place and returns it.
local init = {}

-- fans(t) -> fan_in, fan_out of a weight (out, in, k...): in * prod(k),
-- out * prod(k).
function init.fans(t)
  local d = t:dim()
  if d < 2 then
    error('init: fan in and fan out need a tensor of at least 2 dimensions, '
          .. 'got shape ' .. t:shape_str(), 3)
  end
  local receptive = 1
  for i = 3, d do receptive = receptive * t:size(i) end
  return t:size(2) * receptive, t:size(1) * receptive
end

-- The recommended gain of a nonlinearity ('linear', 'sigmoid', 'tanh',
-- 'relu', 'leaky_relu' with slope `param` (default 0.01), 'selu', 'conv*').
function init.calculate_gain(nonlinearity, param)
  if nonlinearity == 'linear' or nonlinearity == 'sigmoid'
      or tostring(nonlinearity):match('^conv') then
    return 1
  elseif nonlinearity == 'tanh' then
    return 5 / 3
  elseif nonlinearity == 'relu' then
    return math.sqrt(2)
  elseif nonlinearity == 'leaky_relu' then
    local slope = param or 0.01
    return math.sqrt(2 / (1 + slope * slope))
  elseif nonlinearity == 'selu' then
    return 3 / 4
  end
  error('init: unknown nonlinearity ' .. tostring(nonlinearity), 2)
end

-- The standard deviation of He (Kaiming) initialisation.
-- opts: a (slope, default 0), mode 'fan_in' | 'fan_out', nonlinearity
-- (default 'leaky_relu', as PyTorch).
local function kaiming_std(t, opts)
  opts = opts or {}
  local fan_in, fan_out = init.fans(t)
  local mode = opts.mode or 'fan_in'
  if mode ~= 'fan_in' and mode ~= 'fan_out' then
    error("init: mode must be 'fan_in' or 'fan_out', got " .. tostring(mode), 3)
  end
  local fan = mode == 'fan_in' and fan_in or fan_out
  local gain = init.calculate_gain(opts.nonlinearity or 'leaky_relu', opts.a or 0)
  return gain / math.sqrt(fan)
end

function init.kaiming_uniform_(t, opts)
  local bound = math.sqrt(3) * kaiming_std(t, opts)
  return t:uniform_(-bound, bound)
end

function init.kaiming_normal_(t, opts)
  return t:normal_(0, kaiming_std(t, opts))
end

-- Glorot: std = gain * sqrt(2 / (fan_in + fan_out)).
function init.xavier_uniform_(t, gain)
  local fan_in, fan_out = init.fans(t)
  local bound = math.sqrt(3) * (gain or 1) * math.sqrt(2 / (fan_in + fan_out))
  return t:uniform_(-bound, bound)
end

function init.xavier_normal_(t, gain)
  local fan_in, fan_out = init.fans(t)
  return t:normal_(0, (gain or 1) * math.sqrt(2 / (fan_in + fan_out)))
end

function init.uniform_(t, lo, hi) return t:uniform_(lo or 0, hi or 1) end
function init.normal_(t, mean, std) return t:normal_(mean or 0, std or 1) end
function init.constant_(t, v) return t:fill_(v) end
function init.zeros_(t) return t:zero_() end

-- PyTorch's default for Linear and Conv: weight kaiming_uniform(a=sqrt(5))
-- (= U(-1/sqrt(fan_in), 1/sqrt(fan_in))), bias U(-1/sqrt(fan_in), same).
function init.default_(weight, bias)
  init.kaiming_uniform_(weight, { a = math.sqrt(5) })
  if bias then
    local bound = 1 / math.sqrt((init.fans(weight)))
    bias:uniform_(-bound, bound)
  end
  return weight, bias
end

return init
