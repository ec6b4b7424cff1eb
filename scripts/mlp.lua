-- The seed's MLP experiment on MNIST: MLP-3-1 .. MLP-3-4, batch 32, SGD
-- lr 0.01 momentum 0.5, 10 epochs, pixels / 255. Prints the results beside
-- the paper's, writes OUT/mlp.json, OUT/mlp.csv and the figures.
--
--   iddl scripts/mlp.lua --epochs 10 --out results
--   iddl scripts/mlp.lua --models MLP-3-1 --epochs 1 --subset 6000
local argparse = require 'argparse'
local iddl = iddl or require 'iddl'

-- name -> weights-only parameter count and test accuracy in the paper.
local PAPER = {
  ['MLP-3-1'] = { params = 13064, acc = 0.9486 },
  ['MLP-3-2'] = { params = 20650, acc = 0.9556 },
  ['MLP-3-3'] = { params = 30156, acc = 0.9583 },
  ['MLP-3-4'] = { params = 41720, acc = 0.9646 },
}
local ALL = 'MLP-3-1,MLP-3-2,MLP-3-3,MLP-3-4'

local parser = argparse('iddl scripts/mlp.lua', "The seed's MLP experiment on MNIST.")
parser:option('--epochs', 'Epochs per model.', '10'):convert(tonumber)
parser:option('--models', 'Comma-separated model names.', ALL)
parser:option('--seed', 'Random seed.', '1'):convert(tonumber)
parser:option('--data', 'Folder holding the MNIST IDX files (default: $IDDL_DATA or data/mnist).')
parser:option('--out', 'Folder for mlp.json, mlp.csv and the figures.', 'results')
parser:option('--batch', 'Batch size.', '32'):convert(tonumber)
parser:option('--lr', 'Learning rate.', '0.01'):convert(tonumber)
parser:option('--momentum', 'SGD momentum.', '0.5'):convert(tonumber)
parser:option('--subset', 'Train on the first N training samples only.'):convert(tonumber)
parser:flag('--no-plot', 'Write no figures and draw nothing.')
local args = parser:parse(arg)

local names = {}
for name in args.models:gmatch('[^,%s]+') do
  if not PAPER[name] then
    parser:error(string.format('unknown model %s (known: %s)', name, ALL))
  end
  names[#names + 1] = name
end

local dir = iddl.data.find_dir('mnist', args.data)
local scale = iddl.data.transforms.scale(1 / 255)
local function loader(split, shuffle)
  return iddl.data.DataLoader {
    dataset = iddl.data.mnist(dir, split), batch_size = args.batch,
    shuffle = shuffle, seed = args.seed, flatten = true, transform = scale,
    subset = split == 'train' and args.subset or nil,
  }
end
local train_loader, test_loader = loader('train', true), loader('test', false)

local fig
if not args.no_plot then
  fig = iddl.plot.figure { title = 'MLP on MNIST', xlabel = 'epoch',
                           ylabel = 'test accuracy' }
end

local experiment = {
  experiment = 'mlp', dataset = 'mnist',
  config = { epochs = args.epochs, batch = args.batch, lr = args.lr,
             momentum = args.momentum, seed = args.seed, subset = args.subset },
  models = {},
}
for _, name in ipairs(names) do
  iddl.manual_seed(args.seed)
  local model = iddl.models.mlp { name = name }
  local result = iddl.train.fit {
    model = model, name = name, epochs = args.epochs,
    criterion = iddl.nn.CrossEntropyCriterion(),
    optimizer = iddl.optim.SGD(model, { lr = args.lr, momentum = args.momentum }),
    train = train_loader, test = test_loader,
    params = model:nparams { weights_only = true },
    flops = model:flops { 784 },
    on_epoch = fig and function(_, r)
      local xs, ys = {}, {}
      for i, e in ipairs(r.epochs) do xs[i], ys[i] = e.epoch, e.test_acc end
      fig:line(name, xs, ys)
      fig:draw()
    end,
  }
  experiment.models[#experiment.models + 1] = result
  if result.interrupted then break end
end

print(string.format('\n%-10s %8s %8s %10s %10s %9s', 'model', 'params', 'paper',
                    'accuracy', 'paper acc', 'train s'))
for _, r in ipairs(experiment.models) do
  local last = r.epochs[#r.epochs] or { test_acc = 0 / 0 }
  print(string.format('%-10s %8d %8d %10.4f %10.4f %9.2f', r.name, r.params,
                      PAPER[r.name].params, last.test_acc, PAPER[r.name].acc,
                      r.train_time_s))
end

print('wrote ' .. iddl.results.write_json(args.out, 'mlp', experiment))
print('wrote ' .. iddl.results.write_csv(args.out, 'mlp', experiment))
if fig then
  for _, ext in ipairs { 'png', 'svg' } do
    print('wrote ' .. fig:save(args.out .. '/mlp_curves.' .. ext))
  end
  local acc = iddl.plot.figure { title = 'MLP on MNIST: accuracy vs parameters',
                                 xlabel = '# parameters', ylabel = 'test accuracy',
                                 live = false }
  local xs, ys, pxs, pys = {}, {}, {}, {}
  for i, r in ipairs(experiment.models) do
    xs[i], ys[i] = r.params, (r.epochs[#r.epochs] or { test_acc = 0 }).test_acc
    pxs[i], pys[i] = PAPER[r.name].params, PAPER[r.name].acc
  end
  acc:points('iddl', xs, ys)
  acc:points('paper', pxs, pys)
  for _, ext in ipairs { 'png', 'eps' } do
    print('wrote ' .. acc:save(args.out .. '/mlp_accuracy_vs_params.' .. ext))
  end
  acc:close()
  fig:close()
end
