-- tensor_spec.lua - the tensor API by hand: creation, random numbers, views,
-- indexing, in-place ops, printing, time, and the errors users will meet.
-- (Numerical results against NumPy are in tensor_golden_spec.lua.)
local iddl = iddl or require 'iddl'

local here = debug.getinfo(1, 'S').source:match('^@(.*[/\\])') or './'
local H = dofile(here .. 'helpers.lua')
local close, err_has = H.assert_close, H.assert_error_contains

-- The elements of t (any view) as a flat Lua list.
local flat = H.flatten

local function same_list(a, b)
  assert.are.same(b, a)
end

describe('creation', function()
  it('iddl.tensor builds from nested tables', function()
    local t = iddl.tensor { { 1, 2, 3 }, { 4, 5, 6 } }
    same_list(t:size(), { 2, 3 })
    same_list(t:stride(), { 3, 1 })
    assert.are.equal(2, t:dim())
    assert.are.equal(6, t:numel())
    assert.is_true(t:is_contiguous())
    same_list(t:totable(), { { 1, 2, 3 }, { 4, 5, 6 } })
    local c = iddl.tensor { { { 1, 2 }, { 3, 4 } }, { { 5, 6 }, { 7, 8 } }, { { 9, 10 }, { 11, 12 } } }
    same_list(c:size(), { 3, 2, 2 })
    assert.are.equal(11, c[{ 3, 2, 1 }])
    local v = iddl.tensor { 0.5, -1.25 }
    same_list(v:size(), { 2 })
    assert.are.equal(-1.25, v[2])
  end)

  it('iddl.tensor of a number is 0-d, of a tensor is an independent copy', function()
    local s = iddl.tensor(3.5)
    assert.are.equal(0, s:dim())
    assert.are.equal(1, s:numel())
    assert.are.equal(3.5, s:item())
    local a = iddl.tensor { 1, 2, 3 }
    local b = iddl.tensor(a)
    b[1] = 100
    assert.are.equal(1, a[1])
    assert.are.equal(100, b[1])
    local t = iddl.tensor(iddl.arange(6):view(2, 3):t())
    assert.is_true(t:is_contiguous())
    same_list(t:totable(), { { 0, 3 }, { 1, 4 }, { 2, 5 } })
  end)

  it('rounds to float32', function()
    local t = iddl.tensor { 0.1 }
    assert.are_not.equal(0.1, t[1])
    assert.is_true(math.abs(t[1] - 0.1) < 1e-8)
    assert.are.equal(16777216, iddl.tensor { 16777217 }[1])
  end)

  it('a ragged nested table is an error naming the position', function()
    local msg = err_has({ 'ragged', '[2]' }, iddl.tensor, { { 1, 2 }, { 3 } })
    assert.is_nil(msg:find('[1]', 1, true))
    err_has({ 'ragged', '[3]' }, iddl.tensor, { { 1, 2 }, { 3, 4 }, 5 })
    err_has({ 'ragged', '[2][2]' }, iddl.tensor,
            { { { 1, 2 }, { 3, 4 } }, { { 5, 6 }, { 7 } } })
    err_has({ '[2][1]', 'string' }, iddl.tensor, { { 1, 2 }, { 'x', 4 } })
    err_has({ '[2]', 'table' }, iddl.tensor, { 1, { 2 } })
    err_has('tensor', iddl.tensor, 'abc')
  end)

  it('zeros, ones, full, empty take sizes as numbers or a table', function()
    for _, t in ipairs { iddl.zeros(2, 3), iddl.zeros { 2, 3 } } do
      same_list(t:size(), { 2, 3 })
      same_list(flat(t), { 0, 0, 0, 0, 0, 0 })
    end
    local o = iddl.ones(4)
    same_list(o:size(), { 4 })
    same_list(flat(o), { 1, 1, 1, 1 })
    same_list(flat(iddl.full({ 2, 2 }, -7.5)), { -7.5, -7.5, -7.5, -7.5 })
    local f = iddl.full(3, 1, 2.25)
    same_list(f:size(), { 3, 1 })
    same_list(flat(f), { 2.25, 2.25, 2.25 })
    same_list(iddl.empty(5, 2):size(), { 5, 2 })
    same_list(iddl.zeros(3, 0):size(), { 3, 0 })
    assert.are.equal(0, iddl.zeros(3, 0):numel())
    local like = iddl.ones_like(iddl.zeros(2, 5))
    same_list(like:size(), { 2, 5 })
    assert.are.equal(10, like:sum())
    assert.are.equal(0, iddl.zeros_like(iddl.ones(3)):sum())
  end)

  it('eye, arange and linspace', function()
    same_list(iddl.eye(3):totable(), { { 1, 0, 0 }, { 0, 1, 0 }, { 0, 0, 1 } })
    same_list(iddl.eye(2, 3):totable(), { { 1, 0, 0 }, { 0, 1, 0 } })
    same_list(iddl.eye(3, 2):totable(), { { 1, 0 }, { 0, 1 }, { 0, 0 } })
    same_list(flat(iddl.arange(4)), { 0, 1, 2, 3 })
    same_list(flat(iddl.arange(2, 5)), { 2, 3, 4 })
    same_list(flat(iddl.arange(1, 2, 0.25)), { 1, 1.25, 1.5, 1.75 })
    same_list(flat(iddl.arange(3, 0, -1)), { 3, 2, 1 })
    assert.are.equal(0, iddl.arange(0):numel())
    same_list(flat(iddl.linspace(0, 1, 5)), { 0, 0.25, 0.5, 0.75, 1 })
    same_list(flat(iddl.linspace(3, 3, 1)), { 3 })
    local l = iddl.linspace(-1, 1, 7)
    assert.are.equal(-1, l[1])
    assert.are.equal(1, l[7])
  end)

  it('rand is in [0, 1) with the requested shape', function()
    local r = iddl.rand(50, 40)
    same_list(r:size(), { 50, 40 })
    assert.is_true(r:min() >= 0)
    assert.is_true(r:max() < 1)
    assert.is_true(math.abs(r:mean() - 0.5) < 0.03)
    same_list(iddl.rand { 3, 1, 2 }:size(), { 3, 1, 2 })
  end)

  it('randn has the requested shape and mean 0, std 1 on 100k samples', function()
    same_list(iddl.randn(2, 3, 4):size(), { 2, 3, 4 })
    local n = iddl.randn(100000)
    assert.is_true(math.abs(n:mean()) < 0.015, 'mean ' .. n:mean())
    assert.is_true(math.abs(n:std() - 1) < 0.015, 'std ' .. n:std())
    -- both tails are there and none is absurd
    assert.is_true(n:max() > 3 and n:max() < 7)
    assert.is_true(n:min() < -3 and n:min() > -7)
  end)

  it('randint gives integers in [low, high), all of them', function()
    local r = iddl.randint(-3, 4, 2000)
    same_list(r:size(), { 2000 })
    local seen = {}
    for _, x in ipairs(flat(r)) do
      assert.are.equal(math.floor(x), x)
      assert.is_true(x >= -3 and x < 4, 'out of range: ' .. x)
      seen[x] = true
    end
    for v = -3, 3 do assert.is_true(seen[v], 'never drew ' .. v) end
    same_list(iddl.randint(0, 2, 3, 5):size(), { 3, 5 })
    same_list(iddl.randint(0, 2, { 4, 1 }):size(), { 4, 1 })
  end)

  it('randperm is a permutation of 1..n', function()
    local p = flat(iddl.randperm(20))
    assert.are.equal(20, #p)
    table.sort(p)
    for i = 1, 20 do assert.are.equal(i, p[i]) end
    assert.are.equal(0, iddl.randperm(0):numel())
    same_list(flat(iddl.randperm(1)), { 1 })
  end)

  it('uniform_ and normal_ fill in place and return the tensor', function()
    local t = iddl.zeros(1000)
    assert.is_true(rawequal(t, t:uniform_(2, 3)))
    assert.is_true(t:min() >= 2 and t:max() < 3)
    local v = iddl.zeros(4, 5):t()  -- a non-contiguous view
    assert.is_true(rawequal(v, v:normal_(10, 0.1)))
    assert.is_true(math.abs(v:mean() - 10) < 0.2)
  end)
end)

describe('seeded generator', function()
  it('manual_seed makes every generator reproducible', function()
    iddl.manual_seed(1234)
    local a1, b1, c1, d1 = iddl.rand(5), iddl.randn(7), iddl.randint(0, 100, 5), iddl.randperm(9)
    iddl.manual_seed(1234)
    local a2, b2, c2, d2 = iddl.rand(5), iddl.randn(7), iddl.randint(0, 100, 5), iddl.randperm(9)
    same_list(flat(a2), flat(a1))
    same_list(flat(b2), flat(b1))
    same_list(flat(c2), flat(c1))
    same_list(flat(d2), flat(d1))
    assert.are.equal(1234, iddl.initial_seed())
    iddl.manual_seed(1235)
    assert.are_not.same(flat(a1), flat(iddl.rand(5)))
  end)

  it('get_rng_state / set_rng_state round trip, mid normal pair too', function()
    iddl.manual_seed(99)
    iddl.randn(3)  -- an odd count: a Box-Muller spare is pending
    local s = iddl.get_rng_state()
    assert.are.equal('string', type(s))
    local x = flat(iddl.randn(5))
    local u = flat(iddl.rand(3))
    iddl.set_rng_state(s)
    same_list(flat(iddl.randn(5)), x)
    same_list(flat(iddl.rand(3)), u)
    err_has('set_rng_state', iddl.set_rng_state, 'garbage')
  end)
end)

describe('views', function()
  it('share storage with their source, both ways', function()
    local t = iddl.zeros(3, 4)
    t:view(12)[5] = 1              -- (2, 1)
    t:narrow(2, 2, 2):fill_(2)     -- columns 2..3
    t:select(1, 3):fill_(3)        -- row 3
    t:t()[{ 4, 1 }] = 4            -- (1, 4)
    t:unsqueeze(1):squeeze(1)[{ 2, 4 }] = 5
    t:permute(2, 1)[{ 4, 3 }] = 6  -- (3, 4)
    same_list(t:totable(), { { 0, 2, 2, 4 }, { 1, 2, 2, 5 }, { 3, 3, 3, 6 } })
    local v = t:view(2, 6)
    t[{ 1, 1 }] = -1
    assert.are.equal(-1, v[{ 1, 1 }])
    local row = t[2]
    row[1] = 42
    assert.are.equal(42, t[{ 2, 1 }])
    local e = iddl.tensor({ 1, 2, 3 }):view(3, 1)
    local x = e:expand(3, 4)
    e[{ 2, 1 }] = 20
    same_list(flat(x[2]), { 20, 20, 20, 20 })
  end)

  it('narrow and select keep strides and move the offset', function()
    local t = iddl.arange(20):view(4, 5)
    local n = t:narrow(2, 2, 3)
    same_list(n:size(), { 4, 3 })
    same_list(n:stride(), { 5, 1 })
    assert.is_false(n:is_contiguous())
    assert.are.equal(1, n[{ 1, 1 }])
    local r = t:narrow(1, -2, 2)  -- the last two rows
    same_list(flat(r), { 10, 11, 12, 13, 14, 15, 16, 17, 18, 19 })
    assert.is_true(r:is_contiguous())
    local s = t:select(2, 3)
    same_list(s:size(), { 4 })
    same_list(s:stride(), { 5 })
    same_list(flat(s), { 2, 7, 12, 17 })
    same_list(flat(t:select(1, -1)), { 15, 16, 17, 18, 19 })
  end)

  it('transpose, t and permute swap sizes and strides', function()
    local t = iddl.zeros(2, 3, 4)
    local a = t:transpose(1, 3)
    same_list(a:size(), { 4, 3, 2 })
    same_list(a:stride(), { 1, 4, 12 })
    same_list(t:transpose(-1, -2):size(), { 2, 4, 3 })
    local p = t:permute(3, 1, 2)
    same_list(p:size(), { 4, 2, 3 })
    same_list(p:stride(), { 1, 12, 4 })
    local m = iddl.zeros(5, 7):t()
    same_list(m:size(), { 7, 5 })
    same_list(m:stride(), { 1, 7 })
    assert.is_false(m:is_contiguous())
    assert.is_true(m:t():is_contiguous())
  end)

  it('expand gives stride 0, squeeze/unsqueeze add and drop size-1 dims', function()
    local c = iddl.zeros(3, 1)
    local e = c:expand(2, 3, 5)
    same_list(e:size(), { 2, 3, 5 })
    same_list(e:stride(), { 0, 1, 0 })
    same_list(c:expand(-1, 4):size(), { 3, 4 })
    same_list(c:expand(iddl.zeros(3, 6)):size(), { 3, 6 })
    same_list(c:squeeze():size(), { 3 })
    same_list(c:squeeze(2):size(), { 3 })
    same_list(c:squeeze(1):size(), { 3, 1 })  -- size 3: kept
    local z = iddl.zeros(1, 2, 1, 3, 1)
    same_list(z:squeeze():size(), { 2, 3 })
    local u = iddl.zeros(2, 3)
    same_list(u:unsqueeze(1):size(), { 1, 2, 3 })
    same_list(u:unsqueeze(2):size(), { 2, 1, 3 })
    same_list(u:unsqueeze(3):size(), { 2, 3, 1 })
    same_list(u:unsqueeze(-1):size(), { 2, 3, 1 })
    same_list(u:unsqueeze(1):stride(), { 6, 3, 1 })
  end)

  it('view reshapes contiguous tensors, with -1 inferred and a table form', function()
    local t = iddl.arange(24)
    local v = t:view(2, 3, 4)
    same_list(v:size(), { 2, 3, 4 })
    same_list(v:stride(), { 12, 4, 1 })
    same_list(t:view(4, -1):size(), { 4, 6 })
    same_list(t:view { -1, 8 }:size(), { 3, 8 })
    same_list(v:view(24):size(), { 24 })
    -- a transposed tensor can still be viewed when a contiguous chunk splits
    local tr = v:transpose(1, 2)  -- 3x2x4, strides 4,12,1
    local s = tr:view(3, 2, 2, 2)
    same_list(s:stride(), { 4, 12, 2, 1 })
    assert.are.equal(tr[{ 2, 2, 3 }], s[{ 2, 2, 2, 1 }])
  end)

  it('view of a non-contiguous tensor errors, reshape copies', function()
    local t = iddl.arange(6):view(2, 3)
    local tt = t:t()
    err_has({ 'view', 'contiguous', '3x2' }, tt.view, tt, 6)
    local r = tt:reshape(6)
    same_list(flat(r), { 0, 3, 1, 4, 2, 5 })
    r[1] = 100  -- a copy: the source is unchanged
    assert.are.equal(0, t[{ 1, 1 }])
    local r2 = t:reshape(3, 2)  -- contiguous: a view
    r2[{ 1, 1 }] = 7
    assert.are.equal(7, t[{ 1, 1 }])
    err_has({ 'view', '4x5', '2x3' }, t.view, t, 4, 5)
    err_has('-1', t.view, t, -1, -1)
  end)

  it('contiguous returns the tensor itself when it already is, clone never', function()
    local t = iddl.arange(6):view(2, 3)
    assert.is_true(rawequal(t, t:contiguous()))
    local c = t:clone()
    assert.is_false(rawequal(t, c))
    c[{ 1, 1 }] = 9
    assert.are.equal(0, t[{ 1, 1 }])
    local tt = t:t()
    local tc = tt:contiguous()
    assert.is_true(tc:is_contiguous())
    same_list(tc:stride(), { 2, 1 })
    same_list(tc:totable(), { { 0, 3 }, { 1, 4 }, { 2, 5 } })
    tc[{ 1, 1 }] = 5
    assert.are.equal(0, t[{ 1, 1 }])
  end)
end)

describe('indexing', function()
  local function m34() return iddl.arange(12):view(3, 4) end

  it('t[i] is a row view, a number for a 1-D tensor', function()
    local t = m34()
    local r = t[2]
    assert.is_true(iddl.is_tensor(r))
    same_list(flat(r), { 4, 5, 6, 7 })
    assert.are.equal('number', type(r[3]))
    assert.are.equal(6, r[3])
    assert.are.equal(3, #t)
  end)

  it('t[{i, j}] reads a number, ranges read views, negatives count from the end', function()
    local t = m34()
    assert.are.equal(6, t[{ 2, 3 }])
    assert.are.equal(11, t[{ -1, -1 }])
    assert.are.equal(8, t[{ -1, 1 }])
    same_list(flat(t[-1]), { 8, 9, 10, 11 })
    same_list(flat(t[{ { 2, 3 }, 2 }]), { 5, 9 })
    same_list(t[{ { 1, 2 }, { 3, 4 } }]:totable(), { { 2, 3 }, { 6, 7 } })
    same_list(flat(t[{ {}, 4 }]), { 3, 7, 11 })
    same_list(t[{ { 2 } }]:size(), { 1, 4 })
    same_list(flat(t[{ 2, { -2, -1 } }]), { 6, 7 })
  end)

  it('t[i] = v and t[{...}] = v write numbers and tensors (broadcast)', function()
    local t = m34()
    t[1] = -1
    t[{ 2, 3 }] = 50
    t[{ { 2, 3 }, 1 }] = 60
    t[{ -1, -1 }] = 70
    t[{ 3, { 2, 3 } }] = iddl.tensor { 80, 81 }
    same_list(t:totable(), { { -1, -1, -1, -1 }, { 60, 5, 50, 7 }, { 60, 80, 81, 70 } })
    t[{ {}, 2 }] = iddl.tensor(9)  -- a 0-d tensor broadcast to a column
    same_list(flat(t[{ {}, 2 }]), { 9, 9, 9 })
    local v = iddl.zeros(3)
    v[-1] = 4
    same_list(flat(v), { 0, 0, 4 })
  end)

  it('out-of-range indices are errors naming the index and the size', function()
    local t = m34()
    err_has({ '4', 'size 3' }, function() return t[4] end)
    err_has({ 'out of range' }, function() return t[0] end)
    err_has({ '-4', 'size 3' }, function() return t[-4] end)
    err_has({ '5', 'dimension 2', 'size 4' }, function() return t[{ 1, 5 }] end)
    err_has({ 'dimension 2', 'size 4' }, function() return t[{ 1, { 2, 6 } }] end)
    err_has({ '3 indices', '3x4' }, function() return t[{ 1, 1, 1 }] end)
    err_has({ '4', 'size 3' }, function() t[4] = 1 end)
    err_has('cannot set field', function() t.foo = 1 end)
  end)
end)

describe('values', function()
  it('copy_ broadcasts its source and returns the receiver', function()
    local t = iddl.zeros(2, 3)
    assert.is_true(rawequal(t, t:copy_(iddl.tensor { 1, 2, 3 })))
    same_list(t:totable(), { { 1, 2, 3 }, { 1, 2, 3 } })
    t:copy_(iddl.tensor { { 7 }, { 8 } })
    same_list(t:totable(), { { 7, 7, 7 }, { 8, 8, 8 } })
    local tt = iddl.zeros(3, 2):t()  -- into a non-contiguous view
    tt:copy_(iddl.arange(6):view(2, 3))
    same_list(tt:totable(), { { 0, 1, 2 }, { 3, 4, 5 } })
    err_has({ 'copy', '4', '2x3' }, t.copy_, t, iddl.zeros(4))
  end)

  it('in-place operations change the tensor and return it', function()
    local t = iddl.tensor { 1, 4, 9 }
    assert.is_true(rawequal(t, t:add_(1)))
    assert.is_true(rawequal(t, t:mul_(iddl.tensor { 2, 1, 0.5 })))
    same_list(flat(t), { 4, 5, 5 })
    assert.is_true(rawequal(t, t:sub_(iddl.tensor { 1, 1, 1 }, 2)))
    same_list(flat(t), { 2, 3, 3 })
    assert.is_true(rawequal(t, t:sqrt_()))
    assert.is_true(rawequal(t, t:pow_(2)))
    close(t, iddl.tensor { 2, 3, 3 }, 1e-6, 1e-6)
    assert.is_true(rawequal(t, t:clamp_(2.5, nil)))
    same_list(flat(t), { 2.5, 3, 3 })
    assert.is_true(rawequal(t, t:neg_()))
    assert.is_true(rawequal(t, t:fill_(7)))
    same_list(flat(t), { 7, 7, 7 })
    assert.is_true(rawequal(t, t:zero_()))
    same_list(flat(t), { 0, 0, 0 })
    -- t:add_(g, -lr): the optimizer step
    local w, g = iddl.ones(2, 2), iddl.full({ 2, 2 }, 10)
    w:add_(g, -0.1)
    same_list(flat(w), { 0, 0, 0, 0 })
  end)

  it('in-place updates read an overlapping source before overwriting it', function()
    local t = iddl.arange(4):view(2, 2)
    t:add_(t:t())
    same_list(t:totable(), { { 0, 3 }, { 3, 6 } })
    t = iddl.arange(4):view(2, 2)
    t:sub_(t:t(), 2)
    same_list(t:totable(), { { 0, -3 }, { 0, -3 } })
    t = iddl.arange(4):view(2, 2)
    t:add_(t[1])  -- row 1 broadcast over both rows, row 1 included
    same_list(t:totable(), { { 0, 2 }, { 2, 4 } })
    t = iddl.arange(4):view(2, 2)
    t:copy_(t:t())
    same_list(t:totable(), { { 0, 2 }, { 1, 3 } })
    local v = iddl.arange(5)
    v:narrow(1, 2, 4):copy_(v:narrow(1, 1, 4))  -- shift right by one
    same_list(flat(v), { 0, 0, 1, 2, 3 })
    t = iddl.arange(4):view(2, 2)
    t[{ {}, {} }] = t:t()
    same_list(t:totable(), { { 0, 2 }, { 1, 3 } })
    t = iddl.arange(4):view(2, 2)
    t:mul_(t)  -- the identical view is fine
    same_list(t:totable(), { { 0, 1 }, { 4, 9 } })
  end)

  it('out-of-place operations leave their operands alone', function()
    local a, b = iddl.tensor { 1, 2 }, iddl.tensor { 3, 4 }
    local c = a + b
    local d = a:exp()
    local e = -a
    local f = 2 - a
    same_list(flat(a), { 1, 2 })
    same_list(flat(b), { 3, 4 })
    same_list(flat(c), { 4, 6 })
    same_list(flat(e), { -1, -2 })
    same_list(flat(f), { 1, 0 })
    assert.is_false(rawequal(d, a))
  end)

  it('totable follows the logical order of any view; item reads one element', function()
    local t = iddl.arange(6):view(2, 3)
    same_list(t:t():totable(), { { 0, 3 }, { 1, 4 }, { 2, 5 } })
    same_list(t:narrow(2, 2, 2):totable(), { { 1, 2 }, { 4, 5 } })
    assert.are.equal(7.5, iddl.tensor(7.5):totable())
    assert.are.equal(5, t[{ { 2 }, { 3 } }]:item())
    assert.are.equal(4, iddl.tensor { { { 4 } } }:item())
    err_has({ 'item', '2x3' }, t.item, t)
  end)

  it('reductions return numbers without dim, tensors with it', function()
    local t = iddl.tensor { { 1, 5, 2 }, { 7, 0, 3 } }
    assert.are.equal(18, t:sum())
    assert.are.equal(3, t:mean())
    assert.are.equal(7, t:max())
    assert.are.equal(4, t:argmax())  -- flat and 1-based
    local v, i = t:max(2)
    same_list(flat(v), { 5, 7 })
    same_list(flat(i), { 2, 1 })
    local v2, i2 = t:min(1, true)
    same_list(v2:size(), { 1, 3 })
    same_list(flat(i2), { 1, 2, 1 })
    same_list(flat(t:sum(-1)), { 8, 10 })
    -- deviations from the mean 3: -2 2 -1 4 -3 0, squares sum to 34
    close(t:var(nil, nil, false), 34 / 6, 1e-6)
    close(t:var(), 34 / 5, 1e-6)
    close(t:std(), math.sqrt(34 / 5), 1e-6)
  end)

  it('count_nonfinite counts NaN and infinities; max propagates NaN', function()
    local t = iddl.tensor { 1, 0 / 0, math.huge, -math.huge, 2 }
    assert.are.equal(3, t:count_nonfinite())
    local m = iddl.tensor { 1, 0 / 0, 3 }:max()
    assert.is_true(m ~= m)
    assert.are.equal(2, iddl.tensor { 1, 0 / 0, 3 }:argmax())
  end)
end)

describe('printing', function()
  it('prints aligned values and the Torch7 footer', function()
    local s = tostring(iddl.tensor { { 1.5, -2 }, { 3, 4.25 } })
    assert.are.equal(' 1.5000 -2.0000\n 3.0000  4.2500\n[iddl.Tensor of size 2x2]', s)
    local z = tostring(iddl.zeros(2, 3))
    assert.is_truthy(z:find('[iddl.Tensor of size 2x3]', 1, true))
    assert.is_truthy(z:match('%]$'))
    local i = tostring(iddl.tensor { 1, 2, 3 })
    assert.are.equal(' 1\n 2\n 3\n[iddl.Tensor of size 3]', i)
    local s0 = tostring(iddl.tensor(3.5))
    assert.is_truthy(s0:find('3.5', 1, true))
    assert.is_truthy(s0:find('[iddl.Tensor of size scalar]', 1, true))
    assert.are.equal('[iddl.Tensor of size 0x3]', tostring(iddl.zeros(0, 3)))
  end)

  it('elides the middle of a 100x100 tensor with ...', function()
    local s = tostring(iddl.arange(10000):view(100, 100))
    assert.is_truthy(s:find('...', 1, true))
    assert.is_truthy(s:find('[iddl.Tensor of size 100x100]', 1, true))
    assert.is_truthy(s:find('9999', 1, true))         -- the last element
    assert.is_nil(s:find('5050', 1, true))            -- a middle one
    local lines = select(2, s:gsub('\n', '\n')) + 1
    assert.is_true(lines < 15, 'too many lines: ' .. lines)
  end)

  it('pulls out a scale factor for 1e-6 values', function()
    local s = tostring(iddl.tensor { { 1e-6, 2e-6 }, { 3e-6, -4.5e-6 } })
    assert.is_truthy(s:find('1e-06 *', 1, true), s)
    assert.is_truthy(s:find('-4.5000', 1, true), s)
    assert.is_nil(s:find('0.0000', 1, true), s)
  end)

  it('splits a 5x30 tensor into column blocks that fit 80 columns', function()
    local s = tostring(iddl.arange(150):view(5, 30) + 0.5)
    assert.is_truthy(s:find('Columns 1 to', 1, true), s)
    assert.is_truthy(s:find('to 30', 1, true), s)
    for line in s:gmatch('[^\n]+') do
      assert.is_true(#line <= 80, 'line too long: ' .. line)
    end
    -- every value is shown once
    for _, v in ipairs { '0.5000', '29.5000', '120.5000', '149.5000' } do
      assert.is_truthy(s:find(v, 1, true), v)
    end
  end)

  it('prints tensors of more than 2 dimensions as 2-D slices', function()
    local s = tostring(iddl.arange(24):view(2, 3, 4))
    assert.is_truthy(s:find('(1,.,.) =', 1, true))
    assert.is_truthy(s:find('(2,.,.) =', 1, true))
    assert.is_truthy(s:find('[iddl.Tensor of size 2x3x4]', 1, true))
  end)

  it('uses scientific notation when values are more than 4 decades apart', function()
    local s = tostring(iddl.tensor { 1e-5, 1 })
    assert.is_truthy(s:find('1.0000e-05', 1, true), s)
    assert.is_nil(s:find('0.0000\n', 1, true), s)
  end)

  it('shows nan and inf', function()
    local s = tostring(iddl.tensor { 0 / 0, 1.5, math.huge, -math.huge })
    assert.is_truthy(s:find('nan', 1, true))
    assert.is_truthy(s:find('-inf', 1, true))
    assert.is_truthy(s:find('1.5000', 1, true))
  end)
end)

describe('dimensions', function()
  it('supports up to 8 dimensions', function()
    local t = iddl.ones(2, 1, 2, 1, 2, 1, 2, 3)
    assert.are.equal(8, t:dim())
    assert.are.equal(48, t:sum())
    same_list(t:sum(8):size(), { 2, 1, 2, 1, 2, 1, 2 })
    assert.are.equal(96, (t + t):sum())
    local p = t:permute(8, 7, 6, 5, 4, 3, 2, 1):contiguous()
    same_list(p:size(), { 3, 2, 1, 2, 1, 2, 1, 2 })
    assert.is_truthy(tostring(t):find('2x1x2x1x2x1x2x3', 1, true))
    assert.are.equal(8, iddl.tensor { { { { { { { { 1 } } } } } } } }:dim())
  end)

  it('a 9th dimension is a clear error', function()
    err_has({ '8', 'dimensions' }, iddl.zeros, 1, 1, 1, 1, 1, 1, 1, 1, 1)
    err_has({ '8', 'dimensions' }, iddl.zeros, { 1, 1, 1, 1, 1, 1, 1, 1, 1 })
    err_has('8', iddl.tensor, { { { { { { { { { 1 } } } } } } } } })
    local t = iddl.zeros(1, 1, 1, 1, 1, 1, 1, 1)
    err_has('unsqueeze', t.unsqueeze, t, 1)
    err_has({ '8', 'dimensions' }, t.view, t, 1, 1, 1, 1, 1, 1, 1, 1, 1)
    err_has({ '8', 'dimensions' }, t.expand, t, 1, 1, 1, 1, 1, 1, 1, 1, 1)
  end)
end)

describe('time', function()
  it('iddl.now is monotonic wall-clock seconds', function()
    local prev = iddl.now()
    assert.are.equal('number', type(prev))
    for _ = 1, 10000 do
      local t = iddl.now()
      assert.is_true(t >= prev)
      prev = t
    end
    local t0 = iddl.now()
    local c0 = os.clock()
    while os.clock() - c0 < 0.02 do end  -- 20 ms of CPU is >= 20 ms of wall time
    local dt = iddl.now() - t0
    assert.is_true(dt >= 0.019 and dt < 5, 'elapsed ' .. dt)
  end)

  it('iddl.Timer counts while running, stops, resumes and resets', function()
    local function spin(s)
      local c0 = os.clock()
      while os.clock() - c0 < s do end
    end
    local timer = iddl.Timer()
    spin(0.01)
    local t1 = timer:time().real
    assert.is_true(t1 >= 0.009, 't1 ' .. t1)
    assert.is_true(rawequal(timer, timer:stop()))
    local s1 = timer:time().real
    spin(0.01)
    assert.are.equal(s1, timer:time().real)  -- stopped: frozen
    assert.is_true(s1 >= t1)
    timer:resume()
    spin(0.01)
    local r1 = timer:time().real
    assert.is_true(r1 >= s1 + 0.009, 'resumed ' .. r1)
    assert.is_true(r1 < s1 + 2)            -- the stopped time did not count much
    timer:reset()
    assert.is_true(timer:time().real < r1)
    assert.is_true(timer:time().real < 0.009)
    timer:stop():reset()
    assert.are.equal(0, timer:time().real)
    assert.is_truthy(tostring(timer):find('Timer', 1, true))
  end)
end)

describe('errors', function()
  it('a shape mismatch in + names both shapes', function()
    local a, b = iddl.zeros(2, 3), iddl.zeros(4, 3)
    err_has({ '2x3', '4x3' }, function() return a + b end)
    err_has({ '2x3', '3x2' }, function() return a * iddl.zeros(3, 2) end)
    err_has({ '2x3', '4x3' }, a.add, a, b)
    err_has({ '2x3', '4' }, function() return a:add_(iddl.zeros(4)) end)
    err_has({ '2x3', '4x3' }, iddl.maximum, a, b)
  end)

  it('a matmul inner size mismatch names both shapes', function()
    err_has({ 'matmul', '2x3', '4x3' }, iddl.matmul, iddl.zeros(2, 3), iddl.zeros(4, 3))
    err_has({ 'matmul', '3', '4' }, iddl.matmul, iddl.zeros(3), iddl.zeros(4))
    err_has({ 'matmul', '2x3x4', '3x5x2' }, iddl.matmul, iddl.zeros(2, 3, 4), iddl.zeros(3, 5, 2))
    err_has('matmul', iddl.matmul, iddl.tensor(1), iddl.zeros(2))
  end)

  it('out-of-range dimensions name the dimension and the shape', function()
    local t = iddl.zeros(2, 3)
    err_has({ '3', '2x3' }, t.sum, t, 3)
    err_has({ '0', '2x3' }, t.sum, t, 0)
    err_has({ '-3', '2x3' }, t.max, t, -3)
    err_has({ '3', '2x3' }, t.transpose, t, 1, 3)
    err_has({ '5', '2x3' }, t.size, t, 5)
    err_has({ '3', 'size 2' }, t.select, t, 1, 3)
    err_has({ '-3', 'size 2' }, t.select, t, 1, -3)
    err_has({ '3..4', 'size 3' }, t.narrow, t, 2, 3, 2)
    err_has({ 'expand', '2x3', '4x3' }, t.expand, t, 4, 3)
    err_has('permutation', t.permute, t, 1, 1)
    err_has({ '3', '2x3' }, t.squeeze, t, 3)
  end)

  it('a string where a tensor is expected is an error naming the type', function()
    local t = iddl.zeros(2, 3)
    err_has('string', function() return t + 'x' end)
    err_has('string', function() return 'x' * t end)
    err_has('string', t.add, t, 'x')
    err_has('string', t.copy_, t, 'x')
    err_has({ 'Tensor', 'string' }, iddl.matmul, 'x', t)
    err_has({ 'Tensor', 'string' }, iddl.matmul, t, 'x')
    err_has('string', iddl.where, 'x', t, t)
    err_has('string', iddl.zeros, 2, 'x')
    err_has('string', iddl.zeros, 'x')
    err_has('string', iddl.randn, 3, 'x')
    err_has('table', t.mul, t, {})
    err_has({ 'Tensor', 'string' }, t.sum, 'x')
  end)

  it('a negative size is an error naming it', function()
    err_has('-1', iddl.zeros, -1, 3)
    err_has('-2', iddl.ones, { 2, -2 })
    err_has('-1', iddl.rand, -1)
    err_has('-1', iddl.eye, -1)
    err_has('-1', iddl.linspace, 0, 1, -1)
    err_has('-1', iddl.randperm, -1)
  end)

  it('an in-place operation on an expanded tensor is refused', function()
    local c = iddl.zeros(3, 1)
    local e = c:expand(3, 4)
    err_has({ 'in-place', 'expanded', '3x4' }, e.add_, e, 1)
    err_has('expanded', e.mul_, e, iddl.ones(4))
    err_has('expanded', e.add_, e, iddl.ones(4), 2)
    err_has('expanded', e.exp_, e)
    err_has('expanded', e.clamp_, e, 0, 1)
    same_list(flat(c), { 0, 0, 0 })  -- and nothing was written
    local one = c:expand(3, 1)          -- stride 0 over size 1 is fine
    one:add_(1)
    same_list(flat(c), { 1, 1, 1 })
  end)

  it('npy.load of a missing file names the file', function()
    local path = os.tmpname() .. '-does-not-exist.npy'
    err_has({ path, 'No such file' }, iddl.npy.load, path)
  end)

  it('other argument errors say what is wrong', function()
    err_has('step', iddl.arange, 0, 1, 0)
    err_has({ 'randint', 'high' }, iddl.randint, 3, 3, 2)
    err_has({ 'clamp', 'min' }, iddl.zeros(2).clamp, iddl.zeros(2), 2, 1)
    err_has('empty', iddl.zeros(0).max, iddl.zeros(0))
    err_has({ 'where', '2', '3' }, iddl.where, iddl.zeros(2), iddl.zeros(3), 1)
  end)

  it('resize_ to a shape whose element count overflows is an error, not a reuse', function()
    local t = iddl.zeros(4)
    err_has('too large', t.resize_, t, 1 << 40, 1 << 40)
    assert.are.same({4}, t:size())
  end)
end)
