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
iddl.data = require 'iddl.data'
iddl.index_select = iddl.data.index_select
iddl.nn = require 'iddl.nn'
iddl.train = require 'iddl.train'
iddl.results = require 'iddl.results'
iddl.plot = require 'iddl.plot'
iddl.optim = require 'iddl.optim'
iddl.checkpoint = require 'iddl.checkpoint'
iddl.bibd = require 'iddl.bibd'
iddl.models = require 'iddl.models'

return iddl
