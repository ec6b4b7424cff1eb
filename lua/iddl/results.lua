-- results: experiment results as JSON and CSV files, written atomically.
--
-- The JSON schema is DESIGN §3's: {"experiment":..,"dataset":..,"config":{..},
-- "models":[{"name":..,"params":..,"flops":..,"epochs":[{"epoch":1,
-- "train_loss":..,"test_loss":..,"test_acc":..,"time_s":..}],
-- "train_time_s":..,"infer_time_s":..}]}.
local cjson = require 'cjson'

local M = {}

-- Writes text to path through a temporary file renamed over it, so readers
-- never see half a file and a crash never leaves one.
function M.write_atomic(path, text)
  local tmp = string.format('%s.tmp.%d', path, math.random(1 << 30))
  local f, err = io.open(tmp, 'w')
  if not f then error(string.format('cannot write %s: %s', path, err), 2) end
  local ok, werr = f:write(text)
  local closed, cerr = f:close()
  if not ok or not closed then
    os.remove(tmp)
    error(string.format('cannot write %s: %s', path, werr or cerr), 2)
  end
  local renamed, rerr = os.rename(tmp, path)
  if not renamed then
    os.remove(tmp)
    error(string.format('cannot write %s: %s', path, rerr), 2)
  end
  return path
end

-- Creates folder `dir` (and its parents) if missing.
function M.mkdir(dir)
  local ok = os.execute(string.format("mkdir -p '%s'", dir:gsub("'", "'\\''")))
  if not ok then error('cannot create folder ' .. dir, 2) end
  return dir
end

-- Writes the experiment table as DIR/<name>.json; returns the path.
function M.write_json(dir, name, experiment)
  M.mkdir(dir)
  return M.write_atomic(dir .. '/' .. name .. '.json', cjson.encode(experiment) .. '\n')
end

local COLUMNS = { 'epoch', 'train_loss', 'test_loss', 'test_acc', 'time_s' }

-- Writes one row per model and epoch as DIR/<name>.csv; returns the path.
function M.write_csv(dir, name, experiment)
  M.mkdir(dir)
  local lines = { 'model,' .. table.concat(COLUMNS, ',') }
  for _, model in ipairs(experiment.models) do
    for _, e in ipairs(model.epochs) do
      local row = { (model.name:gsub(',', ';')) }
      for _, c in ipairs(COLUMNS) do row[#row + 1] = string.format('%.10g', e[c]) end
      lines[#lines + 1] = table.concat(row, ',')
    end
  end
  return M.write_atomic(dir .. '/' .. name .. '.csv', table.concat(lines, '\n') .. '\n')
end

-- Reads DIR/<name>.json back (for plotting and comparing runs).
function M.read_json(path)
  local f, err = io.open(path, 'r')
  if not f then error(err, 2) end
  local text = f:read('a')
  f:close()
  local ok, value = pcall(cjson.decode, text)
  if not ok then error(string.format('%s: not valid JSON: %s', path, value), 2) end
  return value
end

return M
