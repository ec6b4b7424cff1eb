-- A short tour of iddl tensors: run with `build/iddl examples/tour.lua`
-- (or `make run`). Each step prints what it computed.
local info = iddl.blas_info()
print(('iddl %s on OpenBLAS %s with %d threads'):format(iddl.version, info.core,
                                                        info.threads))

iddl.manual_seed(1)
local x = iddl.tensor{{1, 2, 3}, {4, 5, 6}}        -- 2x3, from a nested table
print('x =', x)
print('x:t() =', x:t())                             -- a transposed view, no copy
print('x + {10, 20, 30} broadcasts:', x + iddl.tensor{10, 20, 30})
print('row sums x:sum(2) =', x:sum(2))
print('x[2] =', x[2], 'x[{2, 3}] =', x[{2, 3}])      -- 1-based indexing

-- A least-squares fit with the normal equations, on random data.
local n, w_true = 1000, iddl.tensor{{2}, {-3}}
local a = iddl.randn(n, 2)
local y = iddl.matmul(a, w_true) + iddl.randn(n, 1) * 0.01
local ata, aty = iddl.matmul(a:t(), a), iddl.matmul(a:t(), y)
-- Solve the 2x2 system by Cramer's rule.
local d = ata[{1, 1}] * ata[{2, 2}] - ata[{1, 2}] * ata[{2, 1}]
local w1 = (aty[{1, 1}] * ata[{2, 2}] - ata[{1, 2}] * aty[{2, 1}]) / d
local w2 = (ata[{1, 1}] * aty[{2, 1}] - aty[{1, 1}] * ata[{2, 1}]) / d
print(('fitted w = (%.3f, %.3f), true (2, -3)'):format(w1, w2))

-- The machine's matrix-multiply speed.
local m = 1024
local p, q = iddl.rand(m, m), iddl.rand(m, m)
iddl.matmul(p, q)
local timer = iddl.Timer()
for _ = 1, 10 do iddl.matmul(p, q) end
local s = timer:time().real / 10
print(('sgemm %dx%d: %.2f ms, %.1f GFLOP/s'):format(m, m, s * 1e3, 2 * m ^ 3 / s / 1e9))

-- Save and load NumPy files.
local path = os.tmpname() .. '.npy'
iddl.npy.save(path, x)
print('loaded back from .npy:', iddl.npy.load(path))
os.remove(path)
