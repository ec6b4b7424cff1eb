-- The seed's MLP experiment on MNIST: MLP, B-MLP and R-MLP x 3-1 .. 3-4,
-- batch 32, SGD lr 0.01 momentum 0.5, 10 epochs, pixels / 255. The sparse
-- models use the seed's 'paper' masks; with --mask both (the default) the
-- sparse ones run again on masks from true designs ('design'). Prints both
-- tables beside the paper's, writes OUT/mlp.json, OUT/mlp.csv and the
-- seed's figures (accuracy vs #params: every model; sparse models only).
--
--   iddl scripts/mlp.lua --epochs 10 --out results
--   iddl scripts/mlp.lua --models MLP-3-1,B-MLP-3-1 --epochs 1 --mask paper
local argparse = require 'argparse'
local iddl = iddl or require 'iddl'

-- name -> weights-only parameter count and test accuracy in the paper.
local PAPER = {
  ['MLP-3-1'] = { params = 13064, acc = 0.9486 },
  ['MLP-3-2'] = { params = 20650, acc = 0.9556 },
  ['MLP-3-3'] = { params = 30156, acc = 0.9583 },
  ['MLP-3-4'] = { params = 41720, acc = 0.9646 },
  ['B-MLP-3-1'] = { params = 728, acc = 0.8396 },
  ['B-MLP-3-2'] = { params = 1150, acc = 0.8665 },
  ['B-MLP-3-3'] = { params = 1680, acc = 0.8884 },
  ['B-MLP-3-4'] = { params = 2324, acc = 0.8925 },
  ['R-MLP-3-1'] = { params = 728, acc = 0.8289 },
  ['R-MLP-3-2'] = { params = 1150, acc = 0.8462 },
  ['R-MLP-3-3'] = { params = 1680, acc = 0.8837 },
  ['R-MLP-3-4'] = { params = 2324, acc = 0.8831 },
}
local ALL = {}
for _, p in ipairs { '', 'B-', 'R-' } do
  for k = 1, 4 do ALL[#ALL + 1] = string.format('%sMLP-3-%d', p, k) end
end

local parser = argparse('iddl scripts/mlp.lua', "The seed's MLP experiment on MNIST.")
parser:option('--epochs', 'Epochs per model.', '10'):convert(tonumber)
parser:option('--models', 'Comma-separated model names.', table.concat(ALL, ','))
parser:option('--mask', "Masks of the sparse models: 'paper' (the seed's), 'design' "
              .. "(true designs) or 'both'.", 'both'):choices { 'paper', 'design', 'both' }
parser:option('--seed', 'Random seed.', '1'):convert(tonumber)
parser:option('--data', 'Folder holding the MNIST IDX files (default: $IDDL_DATA or data/mnist).')
parser:option('--out', 'Folder for mlp.json, mlp.csv and the figures.', 'results')
parser:option('--batch', 'Batch size.', '32'):convert(tonumber)
parser:option('--lr', 'Learning rate.', '0.01'):convert(tonumber)
parser:option('--momentum', 'SGD momentum.', '0.5'):convert(tonumber)
parser:option('--subset', 'Train on the first N training samples only.'):convert(tonumber)
parser:flag('--no-plot', 'Write no figures and draw nothing.')
local args = parser:parse(arg)

-- The runs: {name = model name, label = name in tables and plots, mask}.
local runs, sparse = {}, {}
for name in args.models:gmatch('[^,%s]+') do
  if not PAPER[name] then
    parser:error(string.format('unknown model %s (known: %s)', name, table.concat(ALL, ', ')))
  end
  local is_sparse = name:match('^[BR]%-') ~= nil
  if not is_sparse or args.mask ~= 'design' then
    runs[#runs + 1] = { name = name, label = name, mask = 'paper' }
  end
  if is_sparse then sparse[#sparse + 1] = name end
end
if args.mask ~= 'paper' then
  for _, name in ipairs(sparse) do
    runs[#runs + 1] = { name = name, label = name .. ' (design)', mask = 'design' }
  end
end

local dir = iddl.data.find_dir('mnist', args.data)
local scale = iddl.data.transforms.scale(1 / 255)
local function loader(split, shuffle)
  return iddl.data.DataLoader {
    dataset = iddl.data.mnist(dir, split),
    batch_size = split == 'train' and args.batch or 1000,  -- test batches: speed only
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
             momentum = args.momentum, seed = args.seed, subset = args.subset,
             mask = args.mask },
  models = {},
}
for _, run in ipairs(runs) do
  iddl.manual_seed(args.seed)
  local model = iddl.models.mlp { name = run.name, mask = run.mask, seed = args.seed }
  local result = iddl.train.fit {
    model = model, name = run.label, epochs = args.epochs,
    criterion = iddl.nn.CrossEntropyCriterion(),
    optimizer = iddl.optim.SGD(model, { lr = args.lr, momentum = args.momentum }),
    train = train_loader, test = test_loader,
    params = model:nparams { weights_only = true },
    flops = model:flops { 784 },
    on_epoch = fig and function(_, r)
      local xs, ys = {}, {}
      for i, e in ipairs(r.epochs) do xs[i], ys[i] = e.epoch, e.test_acc end
      fig:line(run.label, xs, ys)
      fig:draw()
    end,
  }
  result.model, result.mask = run.name, run.mask
  experiment.models[#experiment.models + 1] = result
  if result.interrupted then break end
end

local function final_acc(r) return (r.epochs[#r.epochs] or { test_acc = 0 / 0 }).test_acc end

print(string.format('\n%-10s %8s %8s %10s %10s %9s', 'model', 'params', 'paper',
                    'accuracy', 'paper acc', 'train s'))
local by_paper_mask = {}
for _, r in ipairs(experiment.models) do
  if r.mask == 'paper' then
    by_paper_mask[r.model] = r
    print(string.format('%-10s %8d %8d %10.4f %10.4f %9.2f', r.name, r.params,
                        PAPER[r.model].params, final_acc(r), PAPER[r.model].acc,
                        r.train_time_s))
  end
end
local header = false
for _, r in ipairs(experiment.models) do
  if r.mask == 'design' then
    if not header then
      header = true
      print(string.format("\nThe sparse models on masks from true designs ('design'):\n"
                          .. '%-10s %8s %10s %12s %12s %9s', 'model', 'params', 'accuracy',
                          "'paper' acc", "'paper' par.", 'train s'))
    end
    local p = by_paper_mask[r.model]
    print(string.format('%-10s %8d %10.4f %12s %12s %9.2f', r.model, r.params, final_acc(r),
                        p and string.format('%.4f', final_acc(p)) or '-',
                        p and tostring(p.params) or '-', r.train_time_s))
  end
end

print('wrote ' .. iddl.results.write_json(args.out, 'mlp', experiment))
print('wrote ' .. iddl.results.write_csv(args.out, 'mlp', experiment))
if fig then
  for _, ext in ipairs { 'png', 'svg' } do
    print('wrote ' .. fig:save(args.out .. '/mlp_curves.' .. ext))
  end
  fig:close()
  -- The seed's two figures: every model, then the sparse ones only; one
  -- series per family and mask, and the paper's points.
  for _, spec in ipairs { { suffix = '', keep = function() return true end },
                          { suffix = '_sparse_only',
                            keep = function(n) return n:match('^[BR]%-') end } } do
    local f = iddl.plot.figure { title = 'MLP on MNIST: accuracy vs parameters',
                                 xlabel = '# parameters', ylabel = 'test accuracy',
                                 live = false }
    local series, order = {}, {}
    local function add(label, x, y)
      if not series[label] then series[label], order[#order + 1] = { {}, {} }, label end
      local s = series[label]
      s[1][#s[1] + 1], s[2][#s[2] + 1] = x, y
    end
    for _, r in ipairs(experiment.models) do
      if spec.keep(r.model) then
        local family = r.model:match('^(.*)%-3%-%d$')
        add(family .. (r.mask == 'design' and ' (design)' or ''), r.params, final_acc(r))
        if r.mask == 'paper' then
          add(family .. ' (paper)', PAPER[r.model].params, PAPER[r.model].acc)
        end
      end
    end
    for _, label in ipairs(order) do f:points(label, series[label][1], series[label][2]) end
    if #order > 0 then   -- no sparse-only figure without sparse models
      for _, ext in ipairs { 'png', 'eps' } do
        print('wrote ' .. f:save(args.out .. '/mlp_experiments' .. spec.suffix .. '.' .. ext))
      end
    end
    f:close()
  end
end
