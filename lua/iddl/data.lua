-- iddl.data: datasets, transforms and the batch loader.
--
--   local train = iddl.data.mnist(nil, 'train')   -- finds data/mnist
--   local loader = iddl.data.DataLoader{dataset = train, batch_size = 32,
--     flatten = true, transform = iddl.data.transforms.scale(1 / 255)}
--   for x, y in loader:batches() do ... end        -- x (32, 784), y (32)
--
-- A dataset is a table {images = (N, ...) float tensor, labels = (N) float
-- tensor of 1-based classes, name = string}; #dataset is N.
--
--   local cifar = iddl.data.cifar10(nil, 'train')  -- finds data/cifar10
--   local aug = iddl.data.DataLoader{dataset = cifar, batch_size = 128,
--     seed = 1, transform = iddl.data.transforms.cifar10_train()}
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

-- data.fashion_mnist32([dir [, split]]): Fashion-MNIST for the ResNets,
-- images (N, 1, 32, 32): each 28x28 image zero-padded by 2 on every side
-- (data.zero_pad), so every pixel is kept as is and the border is the
-- images' own black background.
function data.fashion_mnist32(dir, split)
  local ds = load_mnist_format('fashion-mnist', dir, split)
  ds.images = data.zero_pad(ds.images, 2)
  ds.name = ds.name:gsub('^fashion%-mnist', 'fashion-mnist32')
  return ds
end

-- data.zero_pad(images, p) -> a new tensor: images (N, H, W) or (N, C, H,
-- W) with p zeros added on each side of every image, shape (N, 1 or C,
-- H + 2p, W + 2p).
function data.zero_pad(images, p)
  local d = images:dim()
  if d ~= 3 and d ~= 4 then
    error('zero_pad: expected images (N, H, W) or (N, C, H, W), got shape '
          .. images:shape_str(), 2)
  end
  if type(p) ~= 'number' or p < 0 or p % 1 ~= 0 then
    error('zero_pad: padding must be an integer >= 0, got ' .. tostring(p), 2)
  end
  local N, H, W = images:size(1), images:size(d - 1), images:size(d)
  local C = d == 4 and images:size(2) or 1
  local out = core.zeros(N, C, H + 2 * p, W + 2 * p)
  out:narrow(3, p + 1, H):narrow(4, p + 1, W):copy_(images:view(N, C, H, W))
  return out
end

-- --- CIFAR-10 (binary batches) -----------------------------------------------

data.CIFAR10_URL = 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz'

-- The class names, in the order of the label bytes 0..9 (batches.meta.txt).
data.CIFAR10_CLASSES = { 'airplane', 'automobile', 'bird', 'cat', 'deer',
                         'dog', 'frog', 'horse', 'ship', 'truck' }

local CIFAR_SPLITS = {
  train = { 'data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin',
            'data_batch_4.bin', 'data_batch_5.bin' },
  test = { 'test_batch.bin' },
}

-- The folder of the .bin files: dir/cifar-10-batches-bin (the archive
-- unpacked into dir) when it exists, else dir itself.
local function cifar_bin_dir(dir)
  local sub = dir .. '/cifar-10-batches-bin'
  return is_dir(sub) and sub or dir
end

local function exists(path)
  local f = io.open(path, 'rb')
  if f then f:close() end
  return f ~= nil
end

-- data.cifar10([dir [, split]]): split 'train' (data_batch_1 .. 5 in that
-- order, 50000 images) or 'test' (test_batch, 10000). images (N, 3, 32, 32)
-- with the raw values 0..255 (R, G, B planes), labels (N) 1-based (the
-- file's byte + 1), classes = the 10 class names. dir holds the .bin files
-- or the cifar-10-batches-bin folder; without it, find_dir('cifar10').
function data.cifar10(dir, split)
  split = split or 'train'
  local files = CIFAR_SPLITS[split]
  if not files then
    error(string.format("cifar10: split must be 'train' or 'test', got %s",
                        tostring(split)), 2)
  end
  local tried
  if not dir then dir, tried = data.find_dir('cifar10') end
  local bin = dir and cifar_bin_dir(dir)
  local paths = {}
  for i, f in ipairs(files) do
    paths[i] = bin and bin .. '/' .. f
    if not (bin and exists(paths[i])) then
      error(string.format(
        'cifar10: cannot find the %s split: %s is missing (looked in %s%s). '
        .. 'Download the official archive %s (`make data` in the iddl source '
        .. 'folder does when online) and unpack it into data/cifar10 (or '
        .. '$IDDL_DATA/cifar10), giving data/cifar10/cifar-10-batches-bin/'
        .. 'data_batch_1.bin .. data_batch_5.bin and test_batch.bin; or pass '
        .. 'the folder: iddl.data.cifar10(dir, %q)', split, f,
        bin or table.concat(tried, ', '),
        os.getenv('IDDL_DATA') and '' or ', IDDL_DATA is not set',
        data.CIFAR10_URL, split), 2)
    end
  end
  local images, labels = dc.cifar_load(paths)
  labels:add_(1)
  return data.dataset { images = images, labels = labels,
                        name = 'cifar10-' .. split,
                        classes = { table.unpack(data.CIFAR10_CLASSES) } }
end

-- Per-channel mean and std of the training sets, of pixel / 255: CIFAR-10's
-- are the seed's; Fashion-MNIST's are of the 60000 training images padded to
-- 32x32 (unpadded 28x28: mean 0.2860, std 0.3530).
data.stats = {
  cifar10 = { mean = { 0.4914, 0.4822, 0.4465 }, std = { 0.2023, 0.1994, 0.2010 } },
  fashion_mnist32 = { mean = { 0.2190 }, std = { 0.3318 } },
}

-- --- transforms: functions of a batch, changing it in place -----------------
--
-- A transform is called as f(x, key): x the batch, key = {seed =, epoch =,
-- batch =} from the DataLoader. The random ones (random_crop, random_hflip)
-- draw only from the key, so the same key gives the same result; call them
-- with a key of your own outside a loader.

data.transforms = {}

-- x * s (pixels / 255: scale(1 / 255)).
function data.transforms.scale(s)
  return function(x) return x:mul_(s) end
end

-- (x - mean) / std; numbers, or tensors that broadcast to the batch.
function data.transforms.normalize(mean, std)
  return function(x) return x:sub_(mean):div_(std) end
end

-- (x / max - mean[c]) / std[c] per channel c of a (B, C, H, W) batch, in
-- float32, bit-identical to torchvision's ToTensor + Normalize(mean, std)
-- on 0..255 pixels; mean, std: lists of C numbers; max defaults to 255.
function data.transforms.normalize_channels(mean, std, max)
  return function(x) return dc.normalize_channels(x, mean, std, max) end
end

-- Checks the key a random transform `what` was called with.
local function check_key(what, key)
  if type(key) ~= 'table' or not (math.tointeger(key.seed)
      and math.tointeger(key.epoch) and math.tointeger(key.batch)) then
    error(what .. ': needs the key {seed =, epoch =, batch =} (integers) as '
          .. 'second argument; the DataLoader passes it', 3)
  end
end

-- torchvision's RandomCrop(size, padding=padding) on (B, C, size, size)
-- batches: each sample becomes the size x size window at a random offset
-- (0..2*padding each way) of itself zero-padded by padding.
function data.transforms.random_crop(size, padding)
  return function(x, key)
    check_key('random_crop', key)
    if x:dim() == 4 and (x:size(3) ~= size or x:size(4) ~= size) then
      error(string.format('random_crop: crop size %dx%d differs from the '
                          .. 'images of the batch (shape %s); only crops the '
                          .. 'size of the image are supported', size, size,
                          x:shape_str()), 2)
    end
    return dc.random_crop(x, padding, key.seed, key.epoch, key.batch)
  end
end

-- torchvision's RandomHorizontalFlip(p) (default 0.5) on (B, C, H, W)
-- batches: each sample is mirrored left-right with probability p.
function data.transforms.random_hflip(p)
  p = p or 0.5
  return function(x, key)
    check_key('random_hflip', key)
    return dc.random_hflip(x, p, key.seed, key.epoch, key.batch)
  end
end

-- Applies the functions of the list in order, passing the key along.
function data.transforms.compose(list)
  return function(x, key)
    for _, f in ipairs(list) do x = f(x, key) or x end
    return x
  end
end

-- The seed's CIFAR-10 training transform: random crop 32 with padding 4,
-- horizontal flip (p 0.5), then normalize_channels with data.stats.cifar10.
function data.transforms.cifar10_train()
  local T, st = data.transforms, data.stats.cifar10
  return T.compose { T.random_crop(32, 4), T.random_hflip(0.5),
                     T.normalize_channels(st.mean, st.std) }
end

-- The CIFAR-10 test transform: normalize_channels only.
function data.transforms.cifar10_test()
  local st = data.stats.cifar10
  return data.transforms.normalize_channels(st.mean, st.std)
end

return data
