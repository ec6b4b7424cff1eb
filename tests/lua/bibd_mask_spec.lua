local iddl = iddl or require 'iddl'

describe('iddl.bibd.mask', function()
  it("'paper' for q = 2 is the seed's documented 6x4 mask", function()
    local want = iddl.tensor{{1,1,0,0},{0,0,1,1},{1,0,1,0},{0,1,0,1},{1,0,0,1},{0,1,1,0}}
    assert.are.equal(0, (iddl.bibd.mask(4, 6, 'paper') - want):abs():sum())
  end)

  it("'paper' reproduces the seed's B-MLP parameter counts", function()
    local hidden = {{16, 20}, {25, 30}, {36, 42}, {49, 56}}
    local want = {728, 1150, 1680, 2324}
    for i, h in ipairs(hidden) do
      local n = iddl.bibd.mask(784, h[1]):sum() + iddl.bibd.mask(h[1], h[2]):sum()
                + h[2] * 10
      assert.are.equal(want[i], n)
    end
  end)

  it("'paper' cuts columns beyond v_in and cycles rows mod q(q+1)", function()
    local m = iddl.bibd.mask(5, 15, 'paper')      -- q = 3: 12 lines, 9 points
    assert.are.same({15, 5}, m:size())
    assert.are.equal(0, (m[13] - m[1]):abs():sum())
    assert.are.equal(3, m[1]:sum())               -- points 0,1,2 kept
    assert.are.equal(2, m[2]:sum())               -- points 3,4 kept, 5 cut
  end)

  it("'random' keeps each output's fan-in and is fixed by its seed", function()
    local base = iddl.bibd.mask(128, 100, 'paper')
    local a = iddl.bibd.mask(128, 100, 'random', {seed = 7})
    local b = iddl.bibd.mask(128, 100, 'random', {seed = 7})
    local c = iddl.bibd.mask(128, 100, 'random', {seed = 8})
    assert.are.equal(0, (a:sum(2) - base:sum(2)):abs():sum())
    assert.are.equal(0, (a - b):abs():sum())
    assert.is_true((a - c):abs():sum() > 0)
    assert.is_true((a - base):abs():sum() > 0)
  end)

  it('rejects sizes below 1 and unknown methods', function()
    assert.has_error(function() iddl.bibd.mask(0, 4) end,
      'iddl.bibd.mask: v_in must be an integer >= 1, got 0')
    assert.has_error(function() iddl.bibd.mask(4, 2.5) end,
      'iddl.bibd.mask: b_out must be an integer >= 1, got 2.5')
    assert.has_error(function() iddl.bibd.mask(4, 4, 'magic') end,
      "iddl.bibd.mask: unknown method 'magic' (expected 'paper' or 'random')")
  end)
end)
