-- OpenBLAS is loaded on the kernels cpuid calls for, with one thread per core.
local iddl = iddl or require 'iddl'

describe('blas_info', function()
  local info = iddl.blas_info()

  it('reports the kernels and the thread count', function()
    assert.is_string(info.core)
    assert.is_string(info.preferred)
    assert.is_true(info.threads >= 1)
  end)

  it('uses the kernel family chosen from cpuid unless the user chose one', function()
    if os.getenv('OPENBLAS_CORETYPE') and info.preferred ~= os.getenv('OPENBLAS_CORETYPE') then
      return -- the user's choice wins; nothing to compare
    end
    if info.preferred:match('^%(') then return end -- no override for this CPU
    assert.are.equal(info.preferred, info.core)
  end)

  it('does not use more threads than cores', function()
    local p = io.popen('nproc')
    local cores = tonumber(p:read('l'))
    p:close()
    if not os.getenv('IDDL_NUM_THREADS') and not os.getenv('OPENBLAS_NUM_THREADS')
       and not os.getenv('OMP_NUM_THREADS') then
      assert.are.equal(cores, info.threads)
    end
  end)

  it('set_num_threads changes the count and rejects 0', function()
    local before = info.threads
    iddl.set_num_threads(1)
    assert.are.equal(1, iddl.blas_info().threads)
    iddl.set_num_threads(before)
    assert.are.equal(before, iddl.blas_info().threads)
    assert.has_error(function() iddl.set_num_threads(0) end)
  end)
end)
