-- train: the loop that fits a model and records what the experiments report.
--
--   local result = iddl.train.fit{
--     model = m, criterion = iddl.nn.CrossEntropyCriterion(),
--     optimizer = iddl.optim.SGD(m, {lr = 0.01, momentum = 0.5}),
--     train = train_loader, test = test_loader, epochs = 10, name = 'MLP-3-1',
--     on_epoch = function(record, result) ... end,   -- e.g. redraw a plot
--   }
--
-- `result` is one entry of the JSON "models" list (DESIGN §3): name, params,
-- flops, epochs = {{epoch, train_loss, test_loss, test_acc, time_s}, ...},
-- train_time_s, infer_time_s (one pass over the test set) and
-- infer_time_per_sample_s. Epoch k trains on the loader's epoch k
-- (loader:batches(k)), so models fitted one after another on one loader see
-- the same shuffles. Ctrl-C (the REPL's or a script's "interrupted!")
-- stops training; the partial result is returned with interrupted = true and
-- the model keeps the weights it had.
local core = require 'iddl.core'
local progress = require 'iddl.progress'

local M = {}

-- Mean loss, accuracy, seconds and sample count of model on loader (eval mode).
function M.evaluate(model, criterion, loader)
  model:eval()
  local loss_sum, correct, n = 0, 0, 0
  local t0 = core.now()
  for x, y in loader:batches() do
    local out = model:forward(x)
    local b = x:size(1)
    loss_sum = loss_sum + criterion:forward(out, y) * b
    local _, predicted = out:max(2)
    correct = correct + predicted:eq(y):sum()
    n = n + b
  end
  local seconds = core.now() - t0
  if n == 0 then error('evaluate: the loader gave no batches', 2) end
  return loss_sum / n, correct / n, seconds, n
end

-- One epoch of training; returns the mean training loss and seconds taken.
local function train_epoch(opt, epoch)
  local model, criterion, optimizer = opt.model, opt.criterion, opt.optimizer
  model:train()
  local bar = progress.new(#opt.train, {
    enabled = opt.progress,
    label = string.format('%s epoch %d/%d ', opt.name, epoch, opt.epochs) })
  local loss_sum, n, i = 0, 0, 0
  local t0 = core.now()
  for x, y in opt.train:batches(epoch) do   -- epoch k shuffles alike in every fit
    optimizer:zero_grad()
    local out = model:forward(x)
    local loss = criterion:forward(out, y)
    model:backward(x, criterion:backward(out, y))
    optimizer:step()
    local b = x:size(1)
    loss_sum, n, i = loss_sum + loss * b, n + b, i + 1
    bar:update(i, loss_sum / n, n)
  end
  bar:finish()
  return loss_sum / n, core.now() - t0
end

local function is_interrupt(err)
  return type(err) == 'string' and err:find('interrupted!', 1, true) ~= nil
end

-- Fits opt.model for opt.epochs epochs; see the top of this file.
function M.fit(opt)
  for _, k in ipairs { 'model', 'criterion', 'optimizer', 'train', 'test', 'epochs' } do
    if opt[k] == nil then error('train.fit: missing field ' .. k, 2) end
  end
  opt.name = opt.name or 'model'
  -- Nothing upstream of the model needs the gradient of its input (data).
  if opt.model.input_grad then opt.model:input_grad(false) end
  local log = opt.log or print
  local result = {
    name = opt.name, params = opt.params or opt.model:nparams(),
    flops = opt.flops, epochs = {}, train_time_s = 0,
  }
  for epoch = 1, opt.epochs do
    local ok, err = pcall(function()
      local train_loss, seconds = train_epoch(opt, epoch)
      local test_loss, test_acc, infer_s, ntest = M.evaluate(opt.model, opt.criterion, opt.test)
      if opt.scheduler then opt.scheduler:step() end
      local record = { epoch = epoch, train_loss = train_loss, test_loss = test_loss,
                       test_acc = test_acc, time_s = seconds }
      result.epochs[#result.epochs + 1] = record
      result.train_time_s = result.train_time_s + seconds
      result.infer_time_s = infer_s
      result.infer_time_per_sample_s = infer_s / ntest
      log(string.format('%s epoch %d/%d: train loss %.4f, test loss %.4f, test acc %.4f, %.2f s',
                        opt.name, epoch, opt.epochs, train_loss, test_loss, test_acc, seconds))
      if opt.on_epoch then opt.on_epoch(record, result) end
    end)
    if not ok then
      if not is_interrupt(err) then error(err, 0) end
      result.interrupted = true
      log(string.format('%s: interrupted in epoch %d; keeping %d finished epochs',
                        opt.name, epoch, #result.epochs))
      break
    end
  end
  return result
end

return M
