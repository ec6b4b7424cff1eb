-- iddl.checkpoint: one-file training checkpoints (model parameters and
-- buffers, optimizer and scheduler state, epoch, RNG state, a user table),
-- written atomically, read back with checks. Layout in doc/optim.md:
--   "IDDLCKPT 1 <header length>\n" <JSON header> <float32 LE tensor data>
-- The header is written here (numbers exactly: integers as JSON integers,
-- non-integral floats with 17 digits, the rest tagged) and parsed by
-- lua-cjson; no Lua code is ever loaded from a file.
local core = require 'iddl.core'
local io_core = require 'iddl.optim_core'
local cjson = require 'cjson'

local M = {}

local TWO53 = 2 ^ 53

local function shape_str(s)
  if #s == 0 then return 'scalar' end
  return table.concat(s, 'x')
end

local function hex(s)
  return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end))
end

local function unhex(s)
  return (s:gsub('..', function(h) return string.char(tonumber(h, 16)) end))
end

local ESCAPES = { ['"'] = '\\"', ['\\'] = '\\\\' }
local function json_string(s)
  return '"' .. s:gsub('[%c"\\]', function(c)
    return ESCAPES[c] or string.format('\\u%04x', c:byte())
  end) .. '"'
end

local function json_number(v)
  if math.type(v) == 'integer' then
    if v >= -TWO53 and v <= TWO53 then return string.format('%d', v) end
    return string.format('{"$int":"%d"}', v)
  end
  if v ~= v then return '{"$float":"nan"}' end
  if v == math.huge then return '{"$float":"inf"}' end
  if v == -math.huge then return '{"$float":"-inf"}' end
  if v == math.floor(v) then return string.format('{"$float":"%a"}', v) end
  for _, fmt in ipairs { '%.15g', '%.16g' } do   -- shortest exact form
    local s = string.format(fmt, v)
    if tonumber(s) == v then return s end
  end
  return string.format('%.17g', v)
end

-- Appends the JSON of v to out; tensors go to the list `tensors` and are
-- written as {"$tensor": k}. `where` names v in errors.
local function encode(v, out, tensors, where, seen)
  local t = type(v)
  if t == 'string' then
    out[#out + 1] = json_string(v)
  elseif t == 'boolean' then
    out[#out + 1] = tostring(v)
  elseif t == 'number' then
    out[#out + 1] = json_number(v)
  elseif core.is_tensor(v) then
    tensors[#tensors + 1] = v
    out[#out + 1] = string.format('{"$tensor":%d}', #tensors)
  elseif t == 'table' then
    if seen[v] then error('checkpoint.save: ' .. where .. ' is a cycle', 0) end
    seen[v] = true
    local n, count, strings = #v, 0, true
    for k in pairs(v) do
      count = count + 1
      if type(k) ~= 'string' then strings = false
      elseif k:sub(1, 1) == '$' then
        error('checkpoint.save: ' .. where .. '.' .. k .. ': keys starting with $ are reserved', 0)
      end
    end
    if n > 0 and count == n then
      out[#out + 1] = '['
      for i = 1, n do
        if i > 1 then out[#out + 1] = ',' end
        encode(v[i], out, tensors, where .. '[' .. i .. ']', seen)
      end
      out[#out + 1] = ']'
    elseif strings then
      local keys = {}
      for k in pairs(v) do keys[#keys + 1] = k end
      table.sort(keys)
      out[#out + 1] = '{'
      for i, k in ipairs(keys) do
        if i > 1 then out[#out + 1] = ',' end
        out[#out + 1] = json_string(k) .. ':'
        encode(v[k], out, tensors, where .. '.' .. k, seen)
      end
      out[#out + 1] = '}'
    else
      error('checkpoint.save: ' .. where .. ': a table must be a list (keys 1..n) or have string keys only', 0)
    end
    seen[v] = nil
  else
    error('checkpoint.save: ' .. where .. ': cannot store a ' .. t, 0)
  end
end

local SPECIAL = { nan = 0 / 0, inf = math.huge, ['-inf'] = -math.huge }

-- Turns decoded JSON back into Lua values: integral numbers to integers,
-- tagged values to floats/integers/tensors (from the list `tensors`).
local function resolve(v, tensors, fail)
  if type(v) == 'number' then
    if v == math.floor(v) and v >= -TWO53 and v <= TWO53 then return math.tointeger(v) end
    return v
  end
  if v == cjson.null then fail('null is not a valid value') end
  if type(v) ~= 'table' then return v end
  if v['$tensor'] ~= nil then
    local t = tensors[v['$tensor']]
    if t == nil then fail('unknown tensor reference ' .. tostring(v['$tensor'])) end
    return t
  elseif v['$float'] ~= nil then
    local s = v['$float']
    local x = SPECIAL[s] or tonumber(s)
    if type(x) ~= 'number' then fail('bad $float ' .. tostring(s)) end
    return x + 0.0
  elseif v['$int'] ~= nil then
    local x = math.tointeger(tonumber(v['$int']))
    if x == nil then fail('bad $int ' .. tostring(v['$int'])) end
    return x
  end
  local r = {}
  for k, x in pairs(v) do r[k] = resolve(x, tensors, fail) end
  return r
end

-- checkpoint.save(path, {model=, optimizer=, scheduler=, epoch=, rng=true,
-- extra={...}}): every field optional. Stores model:parameters() (and
-- model:buffers() when the model has it), the optimizer's and scheduler's
-- state_dict(), the epoch, iddl.get_rng_state() when rng is true, and extra
-- (numbers, strings, booleans, tensors, nested tables).
function M.save(path, opts)
  assert(type(path) == 'string', 'checkpoint.save: path must be a string')
  opts = opts or {}
  local content = { epoch = opts.epoch, extra = opts.extra }
  if opts.model then
    content.params = (opts.model:parameters())
    if type(opts.model.buffers) == 'function' then content.buffers = opts.model:buffers() end
  end
  if opts.optimizer then content.optimizer = opts.optimizer:state_dict() end
  if opts.scheduler then content.scheduler = opts.scheduler:state_dict() end
  if opts.rng then content.rng = hex(core.get_rng_state()) end
  local out, tensors = {}, {}
  encode(content, out, tensors, 'checkpoint', {})
  local index, offset = {}, 0
  for k, t in ipairs(tensors) do
    index[k] = string.format('{"shape":[%s],"offset":%d,"crc32":%d}',
                             table.concat(t:size(), ','), offset, io_core.crc32(t))
    offset = offset + t:numel() * 4
  end
  local header = string.format(
    '{"format":"iddl-checkpoint","version":1,"data_bytes":%d,"tensors":[%s],"content":%s}',
    offset, table.concat(index, ','), table.concat(out))
  io_core.ckpt_write(path, header, tensors)
end

-- checkpoint.read(path) -> the stored content table: {params=, buffers=,
-- optimizer=, scheduler=, epoch=, rng=, extra=} with tensors in place.
-- A corrupt or truncated file is an error naming the file and the byte.
function M.read(path)
  local header, data_start, file_size = io_core.ckpt_read_header(path)
  local header_start = data_start - #header
  local function fail(msg) error(string.format("checkpoint '%s': %s", path, msg), 0) end
  local ok, doc = pcall(cjson.decode, header)
  if not ok then
    local char = tostring(doc):match('character (%d+)')
    fail(string.format('corrupt header at byte %d: %s',
                       header_start + (tonumber(char) or 1) - 1, tostring(doc)))
  end
  if type(doc) ~= 'table' or doc.format ~= 'iddl-checkpoint' or doc.version ~= 1
     or type(doc.tensors) ~= 'table' or type(doc.content) ~= 'table'
     or type(doc.data_bytes) ~= 'number' then
    fail(string.format('byte %d: the header is not an iddl checkpoint version 1', header_start))
  end
  local expect = data_start + doc.data_bytes
  if file_size < expect then
    fail(string.format('truncated at byte %d: the tensor data ends at byte %d', file_size, expect))
  elseif file_size > expect then
    fail(string.format('%d unexpected bytes after byte %d', file_size - expect, expect))
  end
  local tensors = {}
  for k, e in ipairs(doc.tensors) do
    if type(e) ~= 'table' or type(e.shape) ~= 'table' or type(e.offset) ~= 'number'
       or type(e.crc32) ~= 'number' then
      fail(string.format('byte %d: bad entry for tensor %d in the header', header_start, k))
    end
    local shape = resolve(e.shape, {}, fail)
    tensors[k] = io_core.ckpt_read_blob(path, data_start + math.tointeger(e.offset),
                                        math.tointeger(e.crc32), shape)
  end
  return resolve(doc.content, tensors, fail)
end

-- Checks that list `saved` (from the file) matches the model's list `live`.
local function check_shapes(path, what, saved, live)
  saved = saved or {}
  if #saved ~= #live then
    error(string.format("checkpoint '%s': the file has %d %s, the model %d",
                        path, #saved, what, #live), 0)
  end
  for i, t in ipairs(live) do
    if shape_str(saved[i]:size()) ~= shape_str(t:size()) then
      error(string.format("checkpoint '%s': %s %d: file shape %s, model shape %s", path,
                          what:sub(1, -2), i, shape_str(saved[i]:size()),
                          shape_str(t:size())), 0)
    end
  end
end

-- checkpoint.load(path, {model=, optimizer=, scheduler=, rng=}) -> epoch,
-- extra. Restores into the existing objects (all shapes are checked before
-- anything changes), and the RNG state when the file has one (unless rng is
-- false). Asking for a part the file does not hold is an error.
function M.load(path, opts)
  opts = opts or {}
  local c = M.read(path)
  local function need(field, what)
    if c[field] == nil then
      error(string.format("checkpoint '%s': the file holds no %s", path, what), 0)
    end
  end
  local params, buffers
  if opts.model then
    need('params', 'model parameters')
    params = (opts.model:parameters())
    check_shapes(path, 'parameters', c.params, params)
    if type(opts.model.buffers) == 'function' then
      buffers = opts.model:buffers()
      check_shapes(path, 'buffers', c.buffers, buffers)
    end
  end
  if opts.optimizer then
    need('optimizer', 'optimizer state')
    opts.optimizer:load_state_dict(c.optimizer)
  end
  if opts.scheduler then
    need('scheduler', 'scheduler state')
    opts.scheduler:load_state_dict(c.scheduler)
  end
  for i, t in ipairs(params or {}) do t:copy_(c.params[i]) end
  for i, t in ipairs(buffers or {}) do t:copy_(c.buffers[i]) end
  if c.rng and opts.rng ~= false then core.set_rng_state(unhex(c.rng)) end
  return c.epoch, c.extra
end

return M
