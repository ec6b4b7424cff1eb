-- bibd/design.lua - the design object returned by iddl.bibd.design.
--
-- Fields: v, k, lambda, b, r, blocks (list of b lists of k 1-based points,
-- each ascending), construction (a string naming it), resolution (a list of
-- parallel classes, each a list of block numbers partitioning the points,
-- when known). Methods: incidence(); tostring gives a one-line summary.
local core = require 'iddl.bibd_core'

local Design = {}
Design.__index = Design
Design.__name = 'iddl.bibd.Design'

-- Design.new(v, k, lambda, r, b, blocks userdata, construction) -> design
function Design.new(v, k, lambda, r, b, built, construction)
  local blocks, resolution = built:totable()
  return setmetatable({ v = v, k = k, lambda = lambda, b = b, r = r, blocks = blocks,
                        construction = construction, resolution = resolution }, Design)
end

-- design:incidence() -> (b, v) 0/1 tensor, entry [j][x] = 1 when block j
-- holds point x (from design.blocks as they are now).
function Design:incidence()
  return core.incidence(self.blocks, self.v)
end

function Design:__tostring()
  return string.format('2-(%d,%d,%d) design, b=%d r=%d: %s%s', self.v, self.k, self.lambda,
                       self.b, self.r, self.construction,
                       self.resolution and string.format(', resolvable (%d parallel classes)',
                                                         #self.resolution) or '')
end

return Design
