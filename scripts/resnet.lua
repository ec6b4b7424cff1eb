-- The seed's ResNet experiment: ResNet / B-ResNet / R-ResNet x 18/34/50,
-- batch 128, SGD lr 0.01 momentum 0.5, 50 epochs, on CIFAR-10 (random crop
-- 32 padding 4, horizontal flip, the seed's normalisation) or on
-- Fashion-MNIST padded to 32x32. Prints accuracy and FLOPs beside the
-- paper's, writes OUT/resnet.json, OUT/resnet.csv and the seed's two figures
-- (accuracy vs FLOPs: every model; sparse models only), drawn live.
--
--   iddl scripts/resnet.lua --dataset fashion-mnist --epochs 1 --subset 2000
--   iddl scripts/resnet.lua --models B-ResNet-18 --groups 4 --out results
--
-- CIFAR-10 is read from data/cifar10 (`make data` fetches it where the
-- internet is reachable; otherwise unpack cifar-10-binary.tar.gz there).
local argparse = require 'argparse'
local iddl = iddl or require 'iddl'

-- The paper's MFLOPs and CIFAR-10 test accuracy (50 epochs).
local PAPER = {
  ['ResNet-18'] = { mflops = 556.65, acc = 0.9067 },
  ['ResNet-34'] = { mflops = 1161.45, acc = 0.9064 },
  ['ResNet-50'] = { mflops = 1304.69, acc = 0.9001 },
  ['B-ResNet-18'] = { mflops = 54.71, acc = 0.8555 },
  ['B-ResNet-34'] = { mflops = 99.70, acc = 0.8643 },
  ['B-ResNet-50'] = { mflops = 205.03, acc = 0.8362 },
  ['R-ResNet-18'] = { mflops = 54.71, acc = 0.8641 },
  ['R-ResNet-34'] = { mflops = 99.70, acc = 0.8639 },
  ['R-ResNet-50'] = { mflops = 205.03, acc = 0.8442 },
}
local ALL = 'ResNet-18,ResNet-34,ResNet-50,B-ResNet-18,B-ResNet-34,B-ResNet-50,'
            .. 'R-ResNet-18,R-ResNet-34,R-ResNet-50'

local parser = argparse('iddl scripts/resnet.lua', "The seed's ResNet experiment.")
parser:option('--dataset', 'cifar10 or fashion-mnist.', 'cifar10')
  :choices { 'cifar10', 'fashion-mnist' }
parser:option('--models', 'Comma-separated model names.', ALL)
parser:option('--epochs', 'Epochs per model.', '50'):convert(tonumber)
parser:option('--batch', 'Batch size.', '128'):convert(tonumber)
parser:option('--lr', 'Learning rate.', '0.01'):convert(tonumber)
parser:option('--momentum', 'SGD momentum.', '0.5'):convert(tonumber)
parser:option('--groups', 'Groups of the block convolutions.', '1'):convert(tonumber)
parser:option('--mask', "Masks of the sparse convolutions: 'paper' (the seed's) or 'design'.",
              'paper'):choices { 'paper', 'design' }
parser:option('--seed', 'Random seed.', '1'):convert(tonumber)
parser:option('--subset', 'Train on the first N training images only.'):convert(tonumber)
parser:option('--test-subset', 'Test on the first N test images only.'):convert(tonumber)
parser:option('--data', 'Folder holding the dataset files.')
parser:option('--out', 'Folder for resnet.json, resnet.csv and the figures.', 'results')
parser:flag('--no-plot', 'Write no figures and draw nothing.')
local args = parser:parse(arg)

local names = {}
for name in args.models:gmatch('[^,%s]+') do
  if not PAPER[name] then
    parser:error(string.format('unknown model %s (known: %s)', name, ALL))
  end
  names[#names + 1] = name
end

-- The datasets, their transforms and the input shape.
local D, T = iddl.data, iddl.data.transforms
local train_set, test_set, train_tf, test_tf, shape
if args.dataset == 'cifar10' then
  local ok, err = pcall(function()
    train_set, test_set = D.cifar10(args.data, 'train'), D.cifar10(args.data, 'test')
  end)
  if not ok then
    io.stderr:write(tostring(err), '\nOn machines without the internet, try --dataset fashion-mnist.\n')
    os.exit(1)
  end
  train_tf, test_tf, shape = T.cifar10_train(), T.cifar10_test(), { 3, 32, 32 }
else
  local dir = D.find_dir('fashion-mnist', args.data)
  train_set, test_set = D.fashion_mnist32(dir, 'train'), D.fashion_mnist32(dir, 'test')
  local st = D.stats.fashion_mnist32
  local norm = T.normalize_channels(st.mean, st.std)
  train_tf = T.compose { T.random_crop(32, 4), T.random_hflip(0.5), norm }
  test_tf, shape = norm, { 1, 32, 32 }
end
local function loader(set, shuffle, transform, subset)
  return D.DataLoader { dataset = set, batch_size = args.batch, shuffle = shuffle,
                        seed = args.seed, transform = transform, subset = subset }
end
local train_loader = loader(train_set, true, train_tf, args.subset)
local test_loader = loader(test_set, false, test_tf, args.test_subset)

-- Figures: test accuracy per epoch (live), then accuracy vs MFLOPs.
local curves
if not args.no_plot then
  curves = iddl.plot.figure { title = 'ResNet on ' .. args.dataset, xlabel = 'epoch',
                              ylabel = 'test accuracy' }
end

local experiment = {
  experiment = 'resnet', dataset = args.dataset,
  config = { epochs = args.epochs, batch = args.batch, lr = args.lr,
             momentum = args.momentum, groups = args.groups, mask = args.mask,
             seed = args.seed, subset = args.subset, test_subset = args.test_subset },
  models = {},
}
for _, name in ipairs(names) do
  iddl.manual_seed(args.seed)
  local model = iddl.models.resnet { name = name, groups = args.groups, mask = args.mask,
                                     seed = args.seed, in_channels = shape[1] }
  local result = iddl.train.fit {
    model = model, name = name, epochs = args.epochs,
    criterion = iddl.nn.CrossEntropyCriterion(),
    optimizer = iddl.optim.SGD(model, { lr = args.lr, momentum = args.momentum }),
    train = train_loader, test = test_loader,
    params = model:nparams(), flops = model:flops(shape),
    on_epoch = curves and function(_, r)
      local xs, ys = {}, {}
      for i, e in ipairs(r.epochs) do xs[i], ys[i] = e.epoch, e.test_acc end
      curves:line(name, xs, ys)
      curves:draw()
    end,
  }
  experiment.models[#experiment.models + 1] = result
  if result.interrupted then break end
end

print(string.format('\n%-12s %10s %9s %10s %10s %10s %9s', 'model', 'params', 'MFLOPs',
                    'paper', 'accuracy', 'paper acc', 'train s'))
for _, r in ipairs(experiment.models) do
  local last = r.epochs[#r.epochs] or { test_acc = 0 / 0 }
  print(string.format('%-12s %10d %9.2f %10.2f %10.4f %10.4f %9.1f', r.name, r.params,
                      r.flops / 1e6, PAPER[r.name].mflops, last.test_acc,
                      PAPER[r.name].acc, r.train_time_s))
end
if args.dataset ~= 'cifar10' then
  print('(the paper accuracies are CIFAR-10 ones, shown for reference)')
end

print('wrote ' .. iddl.results.write_json(args.out, 'resnet', experiment))
print('wrote ' .. iddl.results.write_csv(args.out, 'resnet', experiment))
if curves then
  for _, ext in ipairs { 'png', 'svg' } do
    print('wrote ' .. curves:save(args.out .. '/resnet_curves.' .. ext))
  end
  curves:close()
  -- The seed's two figures: every model, then the sparse ones only.
  for _, fig in ipairs { { suffix = '', keep = function() return true end },
                         { suffix = '_sparse_only',
                           keep = function(n) return n:match('^[BR]%-') end } } do
    local f = iddl.plot.figure { title = 'ResNet: test accuracy vs MFLOPs',
                                 xlabel = 'MFLOPs per image', ylabel = 'test accuracy',
                                 live = false }
    local by_kind = {}
    for _, r in ipairs(experiment.models) do
      if fig.keep(r.name) then
        local kind = r.name:match('^(.*)%-%d+$')
        by_kind[kind] = by_kind[kind] or { {}, {} }
        local xs, ys = by_kind[kind][1], by_kind[kind][2]
        xs[#xs + 1] = r.flops / 1e6
        ys[#ys + 1] = (r.epochs[#r.epochs] or { test_acc = 0 }).test_acc
      end
    end
    for _, kind in ipairs { 'ResNet', 'B-ResNet', 'R-ResNet' } do
      if by_kind[kind] then f:points(kind, by_kind[kind][1], by_kind[kind][2]) end
    end
    for _, ext in ipairs { 'png', 'eps' } do
      print('wrote ' .. f:save(args.out .. '/resnet_experiments' .. fig.suffix .. '.' .. ext))
    end
    f:close()
  end
end
