-- iddl.pretty: how the REPL shows a value.
--
--   local pretty = require 'iddl.pretty'
--   print(pretty.format({1, 2, x = 'a'}))   --> {1, 2, x = "a"}
--
-- Strings are quoted (%q style, "\n" for newlines), numbers and booleans
-- read as tostring gives them, values with a __tostring metamethod (tensors)
-- use it, functions show where they were defined. Tables show their array
-- part first, then the other keys sorted (numbers, strings, then the rest);
-- on one line when short, else one entry per line, indented. Tables already
-- being printed show as <cycle>, tables deeper than 4 levels as {...}, and
-- only the first 50 entries of a table are shown. Tables are read raw
-- (no __index, __pairs), so formatting never runs user code except
-- __tostring, whose errors are shown in place of the value.

local MAX_DEPTH = 4
local MAX_ITEMS = 50
local WIDTH = 78

local keywords = {}
for w in ([[and break do else elseif end false for function goto if in
  local nil not or repeat return then true until while]]):gmatch('%a+') do
  keywords[w] = true
end

local function quote(s)
  return (string.format('%q', s):gsub('\\\n', '\\n'))
end

local function is_name(k)
  return type(k) == 'string' and k:match('^[%a_][%w_]*$') ~= nil
    and not keywords[k]
end

-- tostring(v) that never raises.
local function safe_tostring(v)
  local ok, s = pcall(tostring, v)
  if ok then return s end
  return '<__tostring error: ' .. tostring(s) .. '>'
end

local function format_function(f)
  local info = debug.getinfo(f, 'S')
  if info == nil or info.what == 'C' then return 'function: builtin' end
  return string.format('function: %s:%d', info.short_src, info.linedefined)
end

-- Sort order of keys: numbers, strings, booleans, then the rest by type
-- name and tostring.
local rank = {number = 1, string = 2, boolean = 3}
local function key_less(a, b)
  local ta, tb = type(a), type(b)
  if ta ~= tb then
    local ra, rb = rank[ta] or 4, rank[tb] or 4
    if ra ~= rb then return ra < rb end
    return ta < tb
  end
  if ta == 'number' or ta == 'string' then return a < b end
  return safe_tostring(a) < safe_tostring(b)
end

local function format_key(k)
  if is_name(k) then return k end
  if type(k) == 'string' then return '[' .. quote(k) .. ']' end
  return '[' .. safe_tostring(k) .. ']'
end

local render

-- True for values shown by tostring (not table-printed).
local function opaque(v)
  local mt = debug.getmetatable(v)
  return type(v) ~= 'table' or (mt ~= nil and rawget(mt, '__tostring') ~= nil)
end

-- items of t ('value' or 'key = value'), at most MAX_ITEMS, plus a note of
-- how many were left out; then the number of non-array keys.
local function table_items(t, depth, open, indent)
  local items, total, len = {}, 0, 0
  local inner = indent .. '  '
  while rawget(t, len + 1) ~= nil do len = len + 1 end
  for i = 1, len do
    total = total + 1
    if total <= MAX_ITEMS then
      items[total] = render(rawget(t, i), depth + 1, open, inner)
    end
  end
  local keys = {}
  for k in next, t do
    if not (math.type(k) == 'integer' and k >= 1 and k <= len) then
      keys[#keys + 1] = k
    end
  end
  table.sort(keys, key_less)
  for _, k in ipairs(keys) do
    total = total + 1
    if total <= MAX_ITEMS then
      local v = rawget(t, k)
      local s
      if opaque(v) then     -- a multi-line __tostring goes below its key
        s = render(v, depth + 1, open, inner .. '  ')
        if s:find('\n', 1, true) then s = '\n' .. inner .. '  ' .. s end
      else
        s = render(v, depth + 1, open, inner)
      end
      items[total] = format_key(k) .. (s:find('^\n') and ' =' or ' = ') .. s
    end
  end
  if total > MAX_ITEMS then
    items[#items + 1] = string.format('... (%d more)', total - MAX_ITEMS)
  end
  return items, #keys
end

-- Items joined on lines of at most WIDTH columns (for arrays of scalars).
local function fill(items, inner)
  local lines, line = {}, items[1]
  for i = 2, #items do
    if #inner + #line + 2 + #items[i] > WIDTH then
      lines[#lines + 1] = line .. ','
      line = items[i]
    else
      line = line .. ', ' .. items[i]
    end
  end
  lines[#lines + 1] = line
  return table.concat(lines, '\n' .. inner)
end

local function render_table(t, depth, open, indent)
  if open[t] then return '<cycle>' end
  if depth > MAX_DEPTH then return next(t) == nil and '{}' or '{...}' end
  open[t] = true
  local items, nkeys = table_items(t, depth, open, indent)
  open[t] = nil
  if #items == 0 then return '{}' end
  local line = '{' .. table.concat(items, ', ') .. '}'
  local multiline = line:find('\n', 1, true)
  if #indent + #line <= WIDTH and not multiline then return line end
  local inner = indent .. '  '
  local body
  if not multiline and nkeys == 0 and not line:find('{', 2, true) then
    body = fill(items, inner)         -- an array of scalars: fill the lines
  else
    body = table.concat(items, ',\n' .. inner)
  end
  return '{\n' .. inner .. body .. '\n' .. indent .. '}'
end

-- v as text; depth is the nesting level (1 at the top), open the set of
-- tables being printed, indent the indentation of the current line.
function render(v, depth, open, indent)
  local tv = type(v)
  if tv == 'string' then return quote(v) end
  if tv == 'number' or tv == 'boolean' or tv == 'nil' then
    return tostring(v)
  end
  if tv == 'function' then return format_function(v) end
  if opaque(v) then
    local s = safe_tostring(v)
    if indent ~= '' then s = s:gsub('\n', '\n' .. indent) end
    return s
  end
  return render_table(v, depth, open, indent)
end

-- Returns v formatted for display (see the top of this file).
local function format(v)
  return render(v, 1, {}, '')
end

return {format = format}
