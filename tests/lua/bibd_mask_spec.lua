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
      local n = iddl.bibd.mask(784, h[1], 'paper'):sum() + iddl.bibd.mask(h[1], h[2], 'paper'):sum()
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
    local a = iddl.bibd.mask(128, 100, 'random', {seed = 7, like = 'paper'})
    local b = iddl.bibd.mask(128, 100, 'random', {seed = 7, like = 'paper'})
    local c = iddl.bibd.mask(128, 100, 'random', {seed = 8, like = 'paper'})
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
      "iddl.bibd.mask: unknown method 'magic' (expected 'design', 'paper' or 'random')")
    assert.has_error(function() iddl.bibd.mask(4, 4, 'random', {like = 'random'}) end,
      "iddl.bibd.mask: opts.like must be 'design' or 'paper', got 'random'")
  end)
end)

describe("iddl.bibd.mask 'design'", function()
  local bibd = iddl.bibd

  -- The smallest prime power q with q^2 >= v.
  local function plane_order(v)
    local q = 2
    while true do
      local n, p = q, 2
      while n % p ~= 0 do p = p + 1 end
      while n % p == 0 do n = n // p end
      if n == 1 and q * q >= v then return q end
      q = q + 1
    end
  end

  it('is the default', function()
    local m, how = bibd.mask(36, 42)
    assert.are.equal(0, (m - bibd.mask(36, 42, 'design')):abs():sum())
    assert.are.equal('AG(2,7) lines: 6 parallel classes, 13 points dropped', how)
  end)

  it('uses a design on the inputs when one has b_out blocks', function()
    for _, c in ipairs{ { 16, 20, 4, 1, 'AG(2,4)' }, { 25, 30, 5, 1, 'AG(2,5)' },
                        { 49, 56, 7, 1, 'AG(2,7)' }, { 7, 7, 3, 1, 'PG(2,2)' },
                        { 13, 26, 3, 1, 'STS(13)' }, { 7, 14, 3, 2, 'cyclotomic family' } } do
      local m, how = bibd.mask(c[1], c[2])
      assert.truthy(how:find(c[5], 1, true))
      local r = bibd.report(m)
      assert.is_true(r.is_bibd)
      assert.are.same({ c[1], c[2], c[3], c[4] }, { r.v, r.b, r.k, r.lambda })
      assert.is_true(bibd.verify(m, c[1], c[3], c[4]))
    end
  end)

  it('never leaves an output dead or an input unused, and keeps fan-in within 1', function()
    local sizes = { { 784, 16 }, { 784, 25 }, { 784, 36 }, { 784, 49 }, { 16, 20 }, { 36, 42 },
                    { 36, 60 }, { 100, 40 }, { 128, 100 }, { 10, 3 }, { 3, 7 }, { 2, 1 },
                    { 1, 5 }, { 5, 1 }, { 50, 50 }, { 200, 30 }, { 17, 400 }, { 4608, 512 } }
    for _, s in ipairs(sizes) do
      local v, b = s[1], s[2]
      local m = bibd.mask(v, b)
      assert.are.same({ b, v }, m:size())
      local r = bibd.report(m)
      local what = string.format('%d -> %d: %s', v, b, tostring(r))
      assert(r.fan_in.min >= 1 and r.fan_out.min >= 1, what)
      assert(r.fan_in.max - r.fan_in.min <= 1, what)
      assert(r.fan_out.max - r.fan_out.min <= 1, what)
      -- without cycling (b_out at most the q or q+1 classes used), two
      -- inputs share at most one output
      local q = plane_order(v)
      if b <= q * q and not r.is_bibd then assert(r.pair.max <= 1, what) end
    end
  end)

  it('784 -> 49: the AG(2,29) lines against the paper mask', function()
    local d = bibd.report(bibd.mask(784, 49))
    local p = bibd.report(bibd.mask(784, 49, 'paper'))
    assert.are.same({ 27, 28 }, { d.fan_in.min, d.fan_in.max })
    assert.are.same({ 1, 2 }, { d.fan_out.min, d.fan_out.max })
    assert.are.same({ 0, 1 }, { d.pair.min, d.pair.max })
    assert.are.equal(784 * 783 // 2, d.pair.histogram[0] + d.pair.histogram[1])
    assert.are.same({ 28, 28 }, { p.fan_in.min, p.fan_in.max })
    -- the paper's 784 -> 16 leaves inputs unused; 'design' does not
    assert.are.equal(0, bibd.report(bibd.mask(784, 16, 'paper')).fan_out.min)
    assert.are.equal(1, bibd.report(bibd.mask(784, 16)).fan_out.min)
  end)

  it("'random' with like = 'design' (the default) keeps the design's fan-in", function()
    local base = bibd.mask(784, 49)
    local a = bibd.mask(784, 49, 'random', { seed = 3 })
    local b = bibd.mask(784, 49, 'random', { seed = 3, like = 'design' })
    assert.are.equal(0, (a - b):abs():sum())
    assert.are.equal(0, (a:sum(2) - base:sum(2)):abs():sum())
    assert.is_true((a - base):abs():sum() > 0)
  end)
end)

describe('iddl.bibd.report', function()
  it('measures a mask', function()
    local m = iddl.tensor{ { 1, 1, 0, 0 }, { 0, 0, 1, 1 }, { 1, 0, 1, 0 } }
    local r = iddl.bibd.report(m)
    assert.are.same({ 4, 3 }, { r.v, r.b })
    assert.are.equal(0.5, r.density)
    assert.are.same({ min = 2, max = 2 }, r.fan_in)
    assert.are.same({ min = 1, max = 2 }, r.fan_out)
    assert.are.same({ min = 0, max = 1, histogram = { [0] = 3, [1] = 3 } }, r.pair)
    assert.are.equal(2, r.k)
    assert.is_nil(r.r)
    assert.is_false(r.is_bibd)
    assert.are.equal('3 x 4 mask, density 0.5000, fan-in 2..2, fan-out 1..2, input pairs '
                     .. 'sharing c outputs {0:3 1:3}', tostring(r))
    local f = iddl.bibd.report(iddl.bibd.design(7, 3, 1):incidence())
    assert.is_true(f.is_bibd)
    assert.truthy(tostring(f):find(': a 2-(7,3,1) design', 1, true))
  end)

  it('rejects what is not a 2-D 0/1 tensor', function()
    assert.has_error(function() iddl.bibd.report({}) end,
      'iddl.bibd.report: expected a (b, v) 0/1 tensor, got table')
    assert.has_error(function() iddl.bibd.report(iddl.zeros(3)) end,
      'iddl.bibd.report: expected a (b, v) 0/1 tensor, got shape 3')
    assert.has_error(function() iddl.bibd.report(iddl.ones(2, 2) * 2) end,
      'pair statistics: entry [1][1] is 2, not 0 or 1')
  end)
end)

describe('iddl.bibd.plot', function()
  it('saves the incidence matrix of a mask or a design as an image', function()
    if not iddl.plot.available() then
      pending('gnuplot with pngcairo is not installed')
      return
    end
    local dir = os.tmpname()
    os.remove(dir)
    assert(os.execute('mkdir -p ' .. dir))
    for name, x in pairs{ mask = iddl.bibd.mask(784, 49), fano = iddl.bibd.design(7, 3, 1) } do
      local path = dir .. '/' .. name .. '.png'
      assert.are.equal(path, iddl.bibd.plot(x, { file = path }))
      local f = assert(io.open(path, 'rb'))
      local size = f:seek('end')
      f:close()
      assert.is_true(size > 100, name .. ' png has ' .. size .. ' bytes')
      os.remove(path)
    end
    os.remove(dir)
    assert.has_error(function() iddl.bibd.plot(42) end,
      'iddl.bibd.plot: expected a design or a (b, v) 0/1 tensor')
    assert.has_error(function() iddl.bibd.plot(iddl.zeros(2, 2), { colour = 1 }) end,
      "iddl.bibd.plot: unknown option 'colour'")
  end)
end)
