-- iddl.Timer: a stopwatch on the monotonic clock, as torch.Timer in Torch7.
--   local t = iddl.Timer()     -- starts running
--   t:time().real              -- seconds counted so far
--   t:stop(); t:resume(); t:reset()
local now = require('iddl.core').now

local Timer = {}
Timer.__index = Timer

-- Creates a running timer at zero.
local function new()
  return setmetatable({ total = 0, started = now(), running = true }, Timer)
end

-- Seconds counted so far, as {real = seconds} (Torch7's shape).
function Timer:time()
  local t = self.total
  if self.running then t = t + (now() - self.started) end
  return { real = t }
end

-- Pauses counting; time() keeps its value until resume().
function Timer:stop()
  if self.running then
    self.total = self.total + (now() - self.started)
    self.running = false
  end
  return self
end

-- Continues counting after stop().
function Timer:resume()
  if not self.running then
    self.started = now()
    self.running = true
  end
  return self
end

-- Back to zero; keeps running or stopped as it was.
function Timer:reset()
  self.total = 0
  self.started = now()
  return self
end

function Timer:__tostring()
  return string.format('iddl.Timer(%.6f s%s)', self:time().real,
                       self.running and '' or ', stopped')
end

return setmetatable({}, { __call = function() return new() end,
                          __index = Timer })
