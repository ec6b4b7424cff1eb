local iddl = iddl or require 'iddl'
local nn = iddl.nn

describe('nn.summary', function()
  it('lists every module with its output shape, params and MACs', function()
    local m = nn.Sequential{nn.Linear(6, 4), nn.ReLU(),
                            nn.Add{nn.Linear(4, 4)}, nn.Linear(4, 2)}
    local s = nn.summary(m, {6})
    assert.are.equal(6, #s.rows)
    assert.are.same({0, 1, 1, 1, 2, 1}, (function()
      local d = {} for i, r in ipairs(s.rows) do d[i] = r.depth end return d end)())
    assert.are.equal(24 + 16 + 8, s.flops)
    assert.are.equal(m:nparams(), s.params)
    assert.are.equal('4', s.rows[3].shape)
    assert.are.equal(16, s.rows[4].flops)
    assert.are.equal(20, s.rows[5].params)
    assert.are.equal('2', s.output)
    local text = tostring(s)
    assert.truthy(text:find('nn.Linear(6 -> 4)', 1, true))
    assert.truthy(text:find('0.00 MFLOPs', 1, true))
  end)

  it('raises the flops error and leaves the modules unwrapped', function()
    local lin = nn.Linear(3, 2)
    local m = nn.Sequential{lin}
    assert.has_error(function() nn.summary(m, {5}) end)
    assert.is_nil(rawget(lin, 'flops'))
    assert.is_nil(rawget(m, 'flops'))
  end)
end)
