-- iddl.data: datasets, transforms and the batch loader.
--
--   local train = iddl.data.mnist(nil, 'train')   -- finds data/mnist
--   local loader = iddl.data.DataLoader{dataset = train, batch_size = 32,
--     flatten = true, transform = iddl.data.transforms.scale(1 / 255)}
--   for x, y in loader:batches() do ... end        -- x (32, 784), y (32)
--
-- A dataset is a table {images = (N, ...) float tensor, labels = (N) float
-- tensor of 1-based classes, name = string}; #dataset is N.
local core = require 'iddl.core'
local dc = require 'iddl.data_core'

local data = {}

data.idx_load = dc.idx_load            -- (path) -> tensor of the raw values
data.index_select = dc.index_select    -- (t, dim, indices [, out]) -> out
data.permutation = dc.permutation      -- (n, seed, stream [, out]) -> 1..n
data.DataLoader = require 'iddl.data_loader'

local Dataset = {}
Dataset.__index = Dataset
function Dataset:__len() return self.images:size(1) end
function Dataset:__tostring()
  return string.format('iddl dataset %s: images %s, labels %s', self.name,
                       self.images:shape_str(), self.labels:shape_str())
end

-- data.dataset{images =, labels =, name =} checks that images and labels
-- have the same first size and gives the table Dataset's # and tostring.
function data.dataset(t)
  assert(core.is_tensor(t.images), 'dataset: images must be a tensor')
  assert(core.is_tensor(t.labels) and t.labels:dim() == 1,
         'dataset: labels must be a 1-D tensor')
  if t.images:dim() < 1 or t.images:size(1) ~= t.labels:size(1) then
    error(string.format('dataset: %d labels for images of shape %s',
                        t.labels:size(1), t.images:shape_str()), 2)
  end
  t.name = t.name or 'dataset'
  return setmetatable(t, Dataset)
end

-- --- where the files are ----------------------------------------------------

local function is_dir(path)
  local f = io.open(path .. '/')
  if f then f:close() end
  return f ~= nil
end

-- The source folder when this file is lua/iddl/data.lua inside it.
local function repo_root()
  local src = debug.getinfo(1, 'S').source
  return src:match('^@(.*)/lua/iddl/data%.lua$')
end

-- data.find_dir(name [, opt]) -> folder, or nil and the list of places
-- tried. Order: the explicit folder (opt.dir, or opt itself when it is a
-- string; taken as is), $IDDL_DATA/<name>, ./data/<name>, <iddl source
-- folder>/data/<name>, and for 'fashion-mnist' the Debian package's
-- /usr/share/datasets/fashion-mnist.
function data.find_dir(name, opt)
  if type(opt) == 'string' then return opt end
  if opt and opt.dir then return opt.dir end
  local tried = {}
  local env = os.getenv('IDDL_DATA')
  if env and env ~= '' then tried[#tried + 1] = env .. '/' .. name end
  tried[#tried + 1] = 'data/' .. name
  local root = repo_root()
  if root then tried[#tried + 1] = root .. '/data/' .. name end
  if name == 'fashion-mnist' then
    tried[#tried + 1] = '/usr/share/datasets/fashion-mnist'
  end
  for _, d in ipairs(tried) do
    if is_dir(d) then return d end
  end
  return nil, tried
end

-- --- MNIST and Fashion-MNIST (IDX files) ------------------------------------

local SPLITS = {
  train = { 'train-images-idx3-ubyte', 'train-labels-idx1-ubyte' },
  test = { 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte' },
}

-- The path of base or base.gz in dir, or nil.
local function find_file(dir, base)
  for _, p in ipairs { dir .. '/' .. base, dir .. '/' .. base .. '.gz' } do
    local f = io.open(p, 'rb')
    if f then
      f:close()
      return p
    end
  end
end

local function missing(what, name, split, dirs)
  local files = SPLITS[split]
  return string.format(
    '%s: cannot find the %s split: looked for %s[.gz] and %s[.gz] in %s%s. '
    .. 'Fetch the data with `make data` in the iddl source folder '
    .. '(scripts/get_data.sh), or pass the folder: iddl.data.%s(dir, %q)',
    what, split, files[1], files[2], table.concat(dirs, ', '),
    os.getenv('IDDL_DATA') and '' or ' (IDDL_DATA is not set)',
    name:gsub('-', '_'), split)
end

-- Loads one split of an MNIST-format dataset from dir (or the folder
-- find_dir finds for `name`): images (N, 28, 28) with values 0..255 and
-- labels (N) as 1-based classes 1..10.
local function load_mnist_format(name, dir, split)
  split = split or 'train'
  local files = SPLITS[split]
  if not files then
    error(string.format("%s: split must be 'train' or 'test', got %s", name,
                        tostring(split)), 3)
  end
  local tried
  if not dir then dir, tried = data.find_dir(name) end
  local img = dir and find_file(dir, files[1])
  local lab = dir and find_file(dir, files[2])
  if not (img and lab) then
    error(missing(name, name, split, tried or { dir }), 3)
  end
  local images, labels = dc.idx_load(img), dc.idx_load(lab)
  if images:dim() ~= 3 or labels:dim() ~= 1 or
      images:size(1) ~= labels:size(1) then
    error(string.format('%s: %s has shape %s and %s has shape %s; expected '
                        .. '(N, 28, 28) images and N labels', name, img,
                        images:shape_str(), lab, labels:shape_str()), 3)
  end
  if labels:numel() > 0 and (labels:min() < 0 or labels:max() > 9) then
    error(string.format('%s: %s holds labels %g..%g, expected 0..9', name,
                        lab, labels:min(), labels:max()), 3)
  end
  labels:add_(1)
  return data.dataset { images = images, labels = labels,
                        name = name .. '-' .. split, classes = 10 }
end

-- data.mnist([dir [, split]]): split 'train' (60000) or 'test' (10000).
function data.mnist(dir, split) return load_mnist_format('mnist', dir, split) end

-- data.fashion_mnist([dir [, split]]): same format and sizes as MNIST.
function data.fashion_mnist(dir, split)
  return load_mnist_format('fashion-mnist', dir, split)
end

-- --- transforms: functions of a batch, changing it in place -----------------

data.transforms = {}

-- x * s (pixels / 255: scale(1 / 255)).
function data.transforms.scale(s)
  return function(x) return x:mul_(s) end
end

-- (x - mean) / std; numbers, or tensors that broadcast to the batch.
function data.transforms.normalize(mean, std)
  return function(x) return x:sub_(mean):div_(std) end
end

-- Applies the functions of the list in order.
function data.transforms.compose(list)
  return function(x)
    for _, f in ipairs(list) do x = f(x) or x end
    return x
  end
end

return data
