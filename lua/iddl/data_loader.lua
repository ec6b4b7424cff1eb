-- iddl.data.DataLoader: mini-batches of a dataset, shuffled per epoch.
--
--   local loader = iddl.data.DataLoader{dataset = ds, batch_size = 32,
--     shuffle = true, seed = 1, drop_last = false, flatten = true,
--     transform = iddl.data.transforms.scale(1 / 255), subset = nil}
--   print(#loader)                            -- batches per epoch
--   for x, y in loader:batches() do ... end   -- x (B, ...), y (B)
--
-- Buffers: y is the same tensor at every batch, x too or, for byte-valued
-- inputs (gathered in the background, the next batch while this one is
-- used), two tensors in turn (the last, partial batch gets views of their
-- first rows), filled in C. A batch is valid until the next one is asked
-- for, so keep a copy (x:clone()) if you need it longer. No tensor is
-- allocated per batch.
--
-- Shuffling: epoch k visits the samples in the order of
-- iddl.data.permutation(n, seed, k), drawn from a private generator: the
-- same seed gives the same epochs, every epoch differs, and the global
-- generator (iddl.manual_seed, iddl.randn, ...) is neither read nor
-- advanced by the loader. The default seed is iddl.initial_seed() at the
-- time the loader is made.
--
-- Transforms: transform(x, key) is called on each input batch, key =
-- {seed =, epoch =, batch =} (this batch's position in the epoch, from 1);
-- the random transforms of iddl.data.transforms draw from that key alone,
-- so augmentation, like shuffling, replays for the same seed and epoch.
local core = require 'iddl.core'
local dc = require 'iddl.data_core'

local DataLoader = {}
DataLoader.__index = DataLoader

-- The 1-based sample indices a loader draws from: all N, the first n, or
-- the given list (a table or 1-D tensor of 1-based indices).
local function subset_indices(subset, N)
  if subset == nil then return core.arange(1, N + 1) end
  if type(subset) == 'number' then
    if subset < 0 or subset > N or subset % 1 ~= 0 then
      error(string.format('DataLoader: subset=%s is not a count in 0..%d',
                          tostring(subset), N), 3)
    end
    return core.arange(1, subset + 1)
  end
  local idx = core.is_tensor(subset) and subset:contiguous() or core.tensor(subset)
  if idx:dim() ~= 1 then
    error('DataLoader: subset must be a count or a 1-D list of indices, got shape '
          .. idx:shape_str(), 3)
  end
  -- index_select names the first bad index (value and position).
  dc.index_select(core.arange(1, N + 1), 1, idx)
  return idx
end

-- DataLoader{...}: see the header. dataset needs images (N, ...) and
-- labels (N); flatten=true gives x of shape (B, prod(rest)).
local function new(opt)
  local ds = assert(opt.dataset, 'DataLoader: dataset is required')
  local B = opt.batch_size or 1
  if type(B) ~= 'number' or B < 1 or B % 1 ~= 0 then
    error('DataLoader: batch_size must be a positive integer, got '
          .. tostring(opt.batch_size), 2)
  end
  local inputs, labels = ds.images, ds.labels
  local N = inputs:size(1)
  if labels:dim() ~= 1 or labels:size(1) ~= N then
    error(string.format('DataLoader: labels of shape %s for images of shape %s',
                        labels:shape_str(), inputs:shape_str()), 2)
  end
  inputs = inputs:contiguous()
  if opt.flatten then inputs = inputs:view(N, -1) end
  local self = setmetatable({
    dataset = ds, batch_size = B, inputs = inputs, labels = labels:contiguous(),
    shuffle = opt.shuffle ~= false, drop_last = opt.drop_last == true,
    transform = opt.transform, epoch = 0,
    seed = opt.seed or core.initial_seed(),
  }, DataLoader)
  -- Inputs that are all bytes (raw MNIST or CIFAR-10 pixels) are gathered
  -- from a byte copy, a quarter of the memory traffic of a random batch, and
  -- on a thread of their own: the next batch while this one is used.
  self.bytes = inputs:dim() > 1 and dc.byte_rows(inputs) or nil
  self.pool = subset_indices(opt.subset, N) -- (n) 1-based sample indices
  self.n = self.pool:size(1)
  self.perm = core.empty(self.n)            -- (n) this epoch's permutation
  self.order = core.empty(self.n)           -- (n) sample indices, in order
  local xsize = inputs:size()
  xsize[1] = B
  -- (B, ...) the input batch; with a background gather, two that alternate
  local xs = { core.empty(xsize), self.bytes and core.empty(xsize) or nil }
  self.x = xs[1]
  self.y = core.empty(B)                    -- (B) the label batch
  -- Per batch: views of the order (its indices) and of x, y (the last,
  -- partial batch uses their first rows); made once, valid every epoch.
  self.plan = {}
  for start = 1, self.n, B do
    local m = math.min(B, self.n - start + 1)
    if m < B and self.drop_last then break end
    local x = xs[#self.plan % #xs + 1]
    self.plan[#self.plan + 1] = {
      idx = self.order:narrow(1, start, m),
      x = m == B and x or x:narrow(1, 1, m),
      y = m == B and self.y or self.y:narrow(1, 1, m),
    }
  end
  return self
end

-- Number of batches per epoch.
function DataLoader:__len() return #self.plan end

-- Puts the sample order of epoch k into self.order.
function DataLoader:_order(k)
  if not self.shuffle then
    self.order:copy_(self.pool)
    return
  end
  dc.permutation(self.n, self.seed, k, self.perm)
  dc.index_select(self.pool, 1, self.perm, self.order)
end

-- loader:batches([epoch]) -> iterator of x, y over one epoch: the next
-- epoch (1, 2, ...) or the given one, which replays that epoch's order.
function DataLoader:batches(epoch)
  local bytes = self.bytes
  if bytes then dc.gather_rows_wait(bytes) end -- one left from an epoch cut short
  self.epoch = epoch or self.epoch + 1
  self:_order(self.epoch)
  local i, plan, transform = 0, self.plan, self.transform
  local inputs, labels = self.inputs, self.labels
  local key = { seed = self.seed, epoch = self.epoch, batch = 0 }
  return function()
    i = i + 1
    local b = plan[i]
    if not b then return nil end
    if not bytes then
      dc.index_select(inputs, 1, b.idx, b.x)
    elseif not dc.gather_rows_wait(bytes) then -- nil: batch i was not started
      dc.gather_rows(bytes, b.idx, b.x)
    end
    if bytes and plan[i + 1] then dc.gather_rows_start(bytes, plan[i + 1].idx, plan[i + 1].x) end
    dc.index_select(labels, 1, b.idx, b.y)
    local x = b.x
    if transform then
      key.batch = i
      x = transform(x, key) or x
    end
    return x, b.y
  end
end

function DataLoader:__tostring()
  return string.format('iddl DataLoader: %d samples of %s, batch %d, %d batches%s',
                       self.n, self.dataset.name or 'a dataset', self.batch_size,
                       #self.plan, self.shuffle and ', shuffled' or '')
end

return setmetatable({}, { __call = function(_, opt) return new(opt) end,
                          __index = DataLoader })
