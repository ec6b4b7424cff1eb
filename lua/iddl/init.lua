-- iddl: the public module, `require 'iddl'` (the global `iddl` in the REPL
-- and in scripts). The tensor core comes from the C module iddl.core; what is
-- better written in Lua (printing, the Timer) is added here.
local core = require 'iddl.core'

local iddl = {}
for k, v in pairs(core) do iddl[k] = v end

local Tensor = core.Tensor            -- the tensor metatable
Tensor.__tostring = require('iddl.tensor_format').format
Tensor.__name = 'iddl.Tensor'

iddl.Timer = require 'iddl.timer'

return iddl
