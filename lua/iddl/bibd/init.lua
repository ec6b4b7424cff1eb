-- iddl.bibd: balanced incomplete block designs and the sparse-layer masks
-- built from them (see doc/bibd.md).
local core = require 'iddl.core'
local masks = require 'iddl.bibd.mask'

local bibd = {}

-- iddl.bibd.mask(v_in, b_out [, method [, opts]]) -> (b_out, v_in) 0/1
-- tensor. method 'paper' is the seed's construction; 'random' keeps the
-- per-output fan-in of the mask named by opts.like (default 'paper') at
-- positions drawn with opts.seed (default: drawn from iddl's generator).
function bibd.mask(v_in, b_out, method, opts)
  method, opts = method or 'paper', opts or {}
  if method == 'paper' then return masks.paper(v_in, b_out) end
  if method == 'random' then
    local like = opts.like or 'paper'
    if like == 'random' then
      error("iddl.bibd.mask: opts.like must name a structured mask, not 'random'", 2)
    end
    local seed = opts.seed or math.floor(core.randint(0, 1 << 30, 1)[1])
    return masks.random(bibd.mask(v_in, b_out, like), seed)
  end
  error(string.format("iddl.bibd.mask: unknown method '%s' (expected 'paper' or 'random')",
                      tostring(method)), 2)
end

return bibd
