#!/usr/bin/python3
"""Writes the NumPy golden files that tests/lua/tensor_golden_spec.lua checks.

Run with the Debian python that has numpy, from the repository root:
    /usr/bin/python3 tests/gen_golden.py tests/golden      (or: make golden)

Inputs are small float32 arrays from a fixed seed, in odd shapes (1, 3x1,
2x3x4, 5x7, broadcasting pairs such as 3x1 with 1x4). Expected values are
computed in float64 from the float32 inputs and cast to float32 at the end.
Everything is written to OUT/*.npy plus OUT/cases.lua, a Lua file returning
the list of cases:

  { name = 'add_3x1_1x4', op = 'add', inputs = {'gen_3x1_a.npy', ...},
    args = {...}, prep = {[1] = {{'t'}}}, output = 'add_3x1_1x4.npy',
    outputs = {'max_values.npy', 'max_indices.npy'}, tol = {rtol=, atol=} }

Conventions of the manifest (the spec interprets them):
  * Everything in it is already 1-based for Lua: dims, narrow starts, select
    indices, argmax/argmin results, the indices returned by max/min.
  * prep[i] is a list of method calls {name, args...} applied to input i after
    loading, e.g. {{'t'}} or {{'transpose', 2, 3}}: the spec then hands the
    operation a non-contiguous view. The stored file holds the data before
    those calls (so the numpy side applies the inverse, e.g. .T).
  * args.form: 'operator' (a + b, a ^ b, -a), 'method' (a:add(b)), 'inplace'
    (a:add_(b): the result must be a itself), 'function' (iddl.maximum(a, b)).
  * args.scalar (+ args.scalar_first): the second operand is that number.
  * A reduction over all elements (no args.dim) returns a Lua number: its
    expected value is stored as a 0-d array.
  * op 'chain': args.steps is a list of method calls applied in order to
    input 1, the result must be contiguous when args.final is 'contiguous' or
    'clone'.
  * ops 'linspace', 'arange', 'eye': no inputs; args.call are the arguments.

Only files named in the previous cases.lua are ever deleted (when stale), so
other people's fixtures in OUT (e.g. OUT/npy/) are left alone.
"""
import os
import re
import sys
import warnings

import numpy as np

SEED = 20240601

# Tolerances |actual - expected| <= atol + rtol * |expected|.
TOL_EXACT = {'rtol': 1e-6, 'atol': 0.0}      # + - * / comparisons, copies
TOL_ELEM = {'rtol': 1e-5, 'atol': 1e-7}      # pow, division chains
TOL_TRANS = {'rtol': 2e-5, 'atol': 1e-6}     # exp log sin tanh sigmoid ...
TOL_REDUCE = {'rtol': 1e-5, 'atol': 1e-6}    # sum mean prod max min
TOL_STAT = {'rtol': 5e-5, 'atol': 1e-6}      # var std
TOL_MATMUL = {'rtol': 1e-4, 'atol': 2e-5}    # float32 BLAS vs float64


def shape_name(shape):
    return 'x'.join(str(s) for s in shape) if len(shape) else '0d'


class Golden:
    """Collects input/expected arrays and the case list, then writes them."""

    def __init__(self, out):
        self.out = out
        self.rng = np.random.default_rng(SEED)
        self.arrays = {}     # file name -> float32 array
        self.inputs = {}     # (kind, shape, tag) -> file name
        self.cases = []
        self.names = set()

    # --- inputs ------------------------------------------------------------
    def make(self, kind, shape):
        r, shape = self.rng, tuple(shape)
        if kind == 'gen':        # general values in (-2, 2)
            a = r.uniform(-2, 2, shape)
        elif kind == 'pos':      # strictly positive: log, sqrt, rsqrt, pow base
            a = r.uniform(0.1, 4, shape)
        elif kind == 'nonzero':  # divisors, reciprocal: |x| in [0.5, 2]
            a = r.uniform(0.5, 2, shape) * r.choice([-1.0, 1.0], shape)
        elif kind == 'int':      # small integers: comparisons with ties
            a = r.integers(-2, 3, shape).astype(np.float64)
        elif kind == 'mask':     # 0/1 conditions for where
            a = r.integers(0, 2, shape).astype(np.float64)
        elif kind == 'wide':     # sigmoid/tanh over both saturated ends
            a = r.uniform(-10, 10, shape)
        elif kind == 'mixed':    # floats, integers, zeros and exact halves
            a = r.uniform(-3, 3, shape)
            pick = r.integers(0, 3, shape)
            halves = r.integers(-6, 7, shape) * 0.5
            ints = r.integers(-2, 3, shape).astype(np.float64)
            a = np.where(pick == 1, halves, np.where(pick == 2, ints, a))
        else:
            raise ValueError(kind)
        return np.asarray(a, dtype=np.float32)

    def inp(self, kind, shape, tag='a'):
        """File name of a (cached) input of this kind and shape."""
        key = (kind, tuple(shape), tag)
        if key not in self.inputs:
            name = 'in_%s_%s_%s.npy' % (kind, shape_name(shape), tag)
            self.arrays[name] = self.make(kind, shape)
            self.inputs[key] = name
        return self.inputs[key]

    def data(self, name):
        """The float64 values of a stored input."""
        return self.arrays[name].astype(np.float64)

    # --- cases ---------------------------------------------------------------
    def case(self, name, op, inputs, expected, args=None, prep=None, tol=None):
        """Adds a case; expected is one array or a list (several outputs)."""
        assert name not in self.names, name
        self.names.add(name)
        c = {'name': name, 'op': op, 'inputs': list(inputs)}
        if args:
            c['args'] = args
        if prep:
            c['prep'] = prep
        if isinstance(expected, list):
            files = []
            for i, e in enumerate(expected):
                f = 'out_%s_%d.npy' % (name, i + 1)
                self.arrays[f] = np.asarray(e, dtype=np.float32)
                files.append(f)
            c['outputs'] = files
        else:
            f = 'out_%s.npy' % name
            self.arrays[f] = np.asarray(expected, dtype=np.float32)
            c['output'] = f
        c['tol'] = tol or TOL_EXACT
        self.cases.append(c)

    # --- writing -------------------------------------------------------------
    def write(self):
        os.makedirs(self.out, exist_ok=True)
        manifest = os.path.join(self.out, 'cases.lua')
        old = set()
        if os.path.exists(manifest):
            with open(manifest) as f:
                old = set(re.findall(r"'([A-Za-z0-9_.\-]+\.npy)'", f.read()))
        for stale in sorted(old - set(self.arrays)):
            p = os.path.join(self.out, stale)
            if os.path.exists(p):
                os.remove(p)
        total = 0
        for name, a in sorted(self.arrays.items()):
            p = os.path.join(self.out, name)
            np.save(p, np.asarray(a, dtype='<f4').copy(order='C'))
            total += os.path.getsize(p)
        text = lua_manifest(self.cases)
        with open(manifest, 'w') as f:
            f.write(text)
        total += len(text)
        return total


# --- Lua literals ------------------------------------------------------------
LUA_KEY = re.compile(r'^[A-Za-z_][A-Za-z0-9_]*$')


def lua(v):
    if v is None:
        return 'nil'
    if isinstance(v, bool):
        return 'true' if v else 'false'
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        v = float(v)
        if v != v:
            return '0/0'
        if v in (float('inf'), float('-inf')):
            return 'math.huge' if v > 0 else '-math.huge'
        if v == int(v) and abs(v) < 2**53:
            return '%d.0' % int(v)
        return repr(v)
    if isinstance(v, str):
        return "'" + v.replace('\\', '\\\\').replace("'", "\\'") + "'"
    if isinstance(v, (list, tuple)):
        return '{' + ', '.join(lua(x) for x in v) + '}'
    if isinstance(v, dict):
        parts = []
        for k in sorted(v, key=lambda k: (isinstance(k, str), str(k))):
            if isinstance(k, str) and LUA_KEY.match(k):
                parts.append('%s = %s' % (k, lua(v[k])))
            else:
                parts.append('[%s] = %s' % (lua(k), lua(v[k])))
        return '{' + ', '.join(parts) + '}'
    raise TypeError(type(v))


def lua_manifest(cases):
    lines = ['-- Generated by tests/gen_golden.py (NumPy %s, seed %d): do not '
             'edit.' % (np.__version__, SEED),
             '-- See that file for the meaning of the fields.',
             'return {']
    order = ['name', 'op', 'inputs', 'prep', 'args', 'output', 'outputs', 'tol']
    for c in cases:
        parts = ['%s = %s' % (k, lua(c[k])) for k in order if k in c]
        lines.append('  {' + ', '.join(parts) + '},')
    lines.append('}')
    return '\n'.join(lines) + '\n'


def f32(x):
    """A Lua number that is exactly a float32, as a float64."""
    return float(np.float32(x))


# --- element-wise ------------------------------------------------------------
BINARY = {
    # op: (numpy function, input kinds, tolerance)
    'add': (np.add, ('gen', 'gen'), TOL_EXACT),
    'sub': (np.subtract, ('gen', 'gen'), TOL_EXACT),
    'mul': (np.multiply, ('gen', 'gen'), TOL_EXACT),
    'div': (np.divide, ('gen', 'nonzero'), TOL_EXACT),
    'pow': (np.power, ('pos', 'gen'), TOL_ELEM),
    'maximum': (np.maximum, ('int', 'gen'), TOL_EXACT),
    'minimum': (np.minimum, ('int', 'gen'), TOL_EXACT),
    'eq': (np.equal, ('int', 'int'), TOL_EXACT),
    'ne': (np.not_equal, ('int', 'int'), TOL_EXACT),
    'lt': (np.less, ('int', 'int'), TOL_EXACT),
    'le': (np.less_equal, ('int', 'int'), TOL_EXACT),
    'gt': (np.greater, ('int', 'int'), TOL_EXACT),
    'ge': (np.greater_equal, ('int', 'int'), TOL_EXACT),
}
OPERATOR_OPS = ('add', 'sub', 'mul', 'div', 'pow')
FUNCTION_OPS = ('maximum', 'minimum')

BROADCAST_PAIRS = [
    ((2, 3), (2, 3)),
    ((3, 1), (1, 4)),
    ((2, 3, 4), (4,)),
    ((4,), (2, 1, 1)),
    ((5, 7), (1,)),
    ((2, 1, 4), (3, 1)),
    ((1,), (1,)),
    ((), (2, 3)),
]

# Scalars that float32 represents exactly; per op: (tensor-scalar, scalar-tensor)
SCALARS = {'add': (2.5, -1.25), 'sub': (0.75, 3.0), 'mul': (-1.5, 2.0),
           'div': (4.0, 2.5), 'pow': (2.0, 1.5), 'maximum': (0.0, 0.5),
           'minimum': (0.0, -0.5), 'eq': (1.0, None), 'ne': (0.0, None),
           'lt': (0.0, None), 'le': (1.0, None), 'gt': (-1.0, None),
           'ge': (0.0, None)}


def default_form(op):
    if op in OPERATOR_OPS:
        return 'operator'
    if op in FUNCTION_OPS:
        return 'function'
    return 'method'


def gen_binary(g):
    for op, (fn, (ka, kb), tol) in BINARY.items():
        form = default_form(op)
        for sa, sb in BROADCAST_PAIRS:
            a, b = g.inp(ka, sa, 'a'), g.inp(kb, sb, 'b')
            exp = fn(g.data(a), g.data(b)).astype(np.float64)
            g.case('%s_%s_%s' % (op, shape_name(sa), shape_name(sb)), op,
                   [a, b], exp, {'form': form}, tol=tol)
        # tensor op scalar, scalar op tensor
        s1, s2 = SCALARS[op]
        ka_s = 'int' if op in ('eq', 'ne', 'lt', 'le', 'gt', 'ge') else ka
        a = g.inp(ka_s, (5, 7), 'a')
        g.case('%s_5x7_scalar' % op, op, [a], fn(g.data(a), s1).astype(float),
               {'form': form, 'scalar': s1}, tol=tol)
        if s2 is not None:
            kb_s = 'nonzero' if op == 'div' else ('gen' if op == 'pow' else ka)
            b = g.inp(kb_s, (2, 3, 4), 'b')
            g.case('%s_scalar_2x3x4' % op, op, [b],
                   fn(s2, g.data(b)).astype(float),
                   {'form': form, 'scalar': s2, 'scalar_first': True}, tol=tol)

    # Method and in-place forms, on a non-contiguous left operand too.
    for op in ('add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'lt'):
        fn, (ka, kb), tol = BINARY[op]
        a, b = g.inp(ka, (2, 3, 4), 'a'), g.inp(kb, (4,), 'b')
        exp = fn(g.data(a), g.data(b)).astype(float)
        g.case('%s_method_2x3x4_4' % op, op, [a, b], exp, {'form': 'method'},
               tol=tol)
        g.case('%s_inplace_2x3x4_4' % op, op, [a, b], exp,
               {'form': 'inplace'}, tol=tol)
        # a stored as 4x3x2, permuted to a 2x3x4 view before the operation
        at = g.inp(ka, (4, 3, 2), 'a')
        exp = fn(g.data(at).transpose(2, 1, 0), g.data(b)).astype(float)
        g.case('%s_inplace_permuted_4' % op, op, [at, b], exp,
               {'form': 'inplace'}, {1: [['permute', 3, 2, 1]]}, tol=tol)
        s = SCALARS[op][0]
        exp = fn(g.data(a), s).astype(float)
        g.case('%s_inplace_scalar' % op, op, [a], exp,
               {'form': 'inplace', 'scalar': s}, tol=tol)
    # Operators on non-contiguous operands: x:t() + y, expanded, narrowed.
    a, b = g.inp('gen', (4, 3), 'a'), g.inp('gen', (3, 4), 'b')
    g.case('add_transposed_3x4', 'add', [a, b], g.data(a).T + g.data(b),
           {'form': 'operator'}, {1: [['t']]})
    g.case('mul_both_transposed', 'mul', [a, b], g.data(a) * g.data(b).T,
           {'form': 'operator'}, {2: [['t']]})
    c = g.inp('gen', (5, 7), 'a')
    g.case('sub_narrowed_5x3_3', 'sub', [c, g.inp('gen', (3,), 'b')],
           g.data(c)[:, 2:5] - g.data(g.inp('gen', (3,), 'b')),
           {'form': 'operator'}, {1: [['narrow', 2, 3, 3]]})
    # add/sub with alpha: a + alpha * b
    a, b = g.inp('gen', (3, 1), 'a'), g.inp('gen', (1, 4), 'b')
    g.case('add_alpha_3x1_1x4', 'add', [a, b], g.data(a) + 2.5 * g.data(b),
           {'form': 'method', 'alpha': 2.5})
    g.case('sub_alpha_3x1_1x4', 'sub', [a, b], g.data(a) - 0.5 * g.data(b),
           {'form': 'method', 'alpha': 0.5}, tol=TOL_ELEM)
    a, b = g.inp('gen', (2, 3, 4), 'a'), g.inp('gen', (3, 1), 'b')
    g.case('add_alpha_inplace_2x3x4', 'add', [a, b],
           g.data(a) - 0.125 * g.data(b),
           {'form': 'inplace', 'alpha': -0.125}, tol=TOL_ELEM)
    # pow with negative bases and integer exponents, and exponent 0.5
    a = g.inp('gen', (2, 3, 4), 'a')
    for s, nm in ((2.0, 'sq'), (3.0, 'cube'), (-1.0, 'inv')):
        if nm == 'inv':
            a = g.inp('nonzero', (2, 3, 4), 'a')
        g.case('pow_negbase_%s' % nm, 'pow', [a], np.power(g.data(a), s),
               {'form': 'operator', 'scalar': s}, tol=TOL_ELEM)
    p = g.inp('pos', (5, 7), 'a')
    g.case('pow_half', 'pow', [p], np.sqrt(g.data(p)),
           {'form': 'method', 'scalar': 0.5}, tol=TOL_ELEM)
    # unary minus
    a = g.inp('gen', (2, 3, 4), 'a')
    g.case('unm_2x3x4', 'neg', [a], -g.data(a), {'form': 'operator'})

    # where(cond, a, b) with broadcasting and numbers
    m31, a14, b34 = g.inp('mask', (3, 1)), g.inp('gen', (1, 4)), g.inp('gen', (3, 4), 'b')
    g.case('where_3x1_1x4_3x4', 'where', [m31, a14, b34],
           np.where(g.data(m31) != 0, g.data(a14), g.data(b34)))
    m = g.inp('mask', (2, 3, 4))
    a4 = g.inp('gen', (4,))
    g.case('where_2x3x4_4_scalar', 'where', [m, a4],
           np.where(g.data(m) != 0, g.data(a4), -7.5), {'b_scalar': -7.5})
    g.case('where_scalar_2x3x4', 'where', [m, a4],
           np.where(g.data(m) != 0, 3.0, g.data(a4)), {'a_scalar': 3.0})
    mi = g.inp('int', (5, 7))        # a non-0/1 condition: any non-zero is true
    c57, d57 = g.inp('gen', (5, 7)), g.inp('gen', (5, 7), 'b')
    g.case('where_intcond_5x7', 'where', [mi, c57, d57],
           np.where(g.data(mi) != 0, g.data(c57), g.data(d57)))


UNARY = {
    # op: (numpy, input kind, tolerance)
    'neg': (np.negative, 'mixed', TOL_EXACT),
    'exp': (np.exp, 'mixed', TOL_TRANS),
    'log': (np.log, 'pos', TOL_TRANS),
    'sqrt': (np.sqrt, 'pos', TOL_TRANS),
    'abs': (np.abs, 'mixed', TOL_EXACT),
    'tanh': (np.tanh, 'wide', TOL_TRANS),
    'sigmoid': (lambda x: 1.0 / (1.0 + np.exp(-x)), 'wide', TOL_TRANS),
    'relu': (lambda x: np.maximum(x, 0.0), 'mixed', TOL_EXACT),
    'sign': (np.sign, 'mixed', TOL_EXACT),
    'floor': (np.floor, 'mixed', TOL_EXACT),
    'ceil': (np.ceil, 'mixed', TOL_EXACT),
    'round': (np.round, 'mixed', TOL_EXACT),   # half to even, like nearbyint
    'square': (np.square, 'mixed', TOL_ELEM),
    'rsqrt': (lambda x: 1.0 / np.sqrt(x), 'pos', TOL_TRANS),
    'reciprocal': (lambda x: 1.0 / x, 'nonzero', TOL_ELEM),
    'sin': (np.sin, 'wide', TOL_TRANS),
    'cos': (np.cos, 'wide', TOL_TRANS),
}


def gen_unary(g):
    for op, (fn, kind, tol) in UNARY.items():
        a = g.inp(kind, (5, 7))
        g.case('%s_5x7' % op, op, [a], fn(g.data(a)), {'form': 'method'},
               tol=tol)
        # the same on a transposed view (stored 4x3, used as 3x4)
        at = g.inp(kind, (4, 3))
        g.case('%s_transposed' % op, op, [at], fn(g.data(at).T),
               {'form': 'method'}, {1: [['t']]}, tol=tol)
        b = g.inp(kind, (2, 3, 4))
        g.case('%s_inplace_2x3x4' % op, op, [b], fn(g.data(b)),
               {'form': 'inplace'}, tol=tol)
    x1 = g.inp('mixed', (1,))
    g.case('exp_1', 'exp', [x1], np.exp(g.data(x1)), {'form': 'method'},
           tol=TOL_TRANS)
    # clamp(min, max) with either bound nil
    a = g.inp('mixed', (5, 7))
    for nm, lo, hi in (('both', -1.0, 1.5), ('min', -0.5, None),
                       ('max', None, 0.25), ('equal', 0.5, 0.5)):
        exp = g.data(a)
        if lo is not None:
            exp = np.maximum(exp, lo)
        if hi is not None:
            exp = np.minimum(exp, hi)
        g.case('clamp_%s_5x7' % nm, 'clamp', [a], exp,
               {'form': 'method', 'min': lo, 'max': hi})
    at = g.inp('mixed', (4, 3))
    g.case('clamp_inplace_transposed', 'clamp', [at],
           np.clip(g.data(at).T, -1.0, 1.0),
           {'form': 'inplace', 'min': -1.0, 'max': 1.0}, {1: [['t']]})


# --- reductions ---------------------------------------------------------------
def np_reduce(op, x, axis, keepdim, unbiased):
    """Expected value(s) of a reduction; a list for max/min over a dim."""
    kw = {'axis': axis}
    if op == 'sum':
        r = np.sum(x, **kw)
    elif op == 'mean':
        r = np.mean(x, **kw)
    elif op == 'prod':
        r = np.prod(x, **kw)
    elif op in ('var', 'std'):
        f = np.var if op == 'var' else np.std
        r = f(x, ddof=1 if unbiased else 0, **kw)
    elif op in ('max', 'min', 'argmax', 'argmin'):
        if axis is None:
            flat = x.reshape(-1)
            if op == 'max':
                r = flat.max()
            elif op == 'min':
                r = flat.min()
            else:
                r = (flat.argmax() if op == 'argmax' else flat.argmin()) + 1.0
        else:
            vals = x.max(axis=axis) if op in ('max', 'argmax') else x.min(axis=axis)
            idx = (x.argmax(axis=axis) if op in ('max', 'argmax')
                   else x.argmin(axis=axis)) + 1.0
            if keepdim:
                vals = np.expand_dims(vals, axis)
                idx = np.expand_dims(idx, axis)
            if op in ('max', 'min'):
                return [vals, idx]
            return idx
    else:
        raise ValueError(op)
    if axis is not None and keepdim:
        r = np.expand_dims(r, axis)
    return r


REDUCE_OPS = ('sum', 'mean', 'prod', 'max', 'min', 'argmax', 'argmin', 'var',
              'std')


def red_tol(op):
    return TOL_STAT if op in ('var', 'std') else TOL_REDUCE


def gen_reductions(g):
    for shape in ((1,), (3, 1), (5, 7), (2, 3, 4)):
        xf = g.inp('gen', shape)
        x = g.data(xf)
        sn = shape_name(shape)
        for op in REDUCE_OPS:
            variants = [True, False] if op in ('var', 'std') else [None]
            for unb in variants:
                suffix = '' if unb is None else ('_unbiased' if unb else '_biased')
                args = {}
                if unb is False:
                    args['unbiased'] = False
                g.case('%s%s_all_%s' % (op, suffix, sn), op, [xf],
                       np_reduce(op, x, None, False, unb), dict(args) or None,
                       tol=red_tol(op))
                for d in range(len(shape)):
                    for keep in (False, True):
                        a = dict(args, dim=d + 1)
                        if keep:
                            a['keepdim'] = True
                        g.case('%s%s_%s_dim%d%s' % (op, suffix, sn, d + 1,
                                                   '_keep' if keep else ''),
                               op, [xf], np_reduce(op, x, d, keep, unb), a,
                               tol=red_tol(op))
    # negative dims, and an explicit unbiased=true with keepdim=false
    xf = g.inp('gen', (2, 3, 4))
    x = g.data(xf)
    g.case('sum_2x3x4_dimneg1', 'sum', [xf], x.sum(axis=-1), {'dim': -1})
    g.case('max_2x3x4_dimneg3_keep', 'max', [xf],
           np_reduce('max', x, 0, True, None), {'dim': -3, 'keepdim': True})
    g.case('var_2x3x4_dim2_explicit_unbiased', 'var', [xf],
           x.var(axis=1, ddof=1), {'dim': 2, 'keepdim': False, 'unbiased': True},
           tol=TOL_STAT)
    # reductions of a non-contiguous view (stored 4x3x2, permuted to 2x3x4)
    pf = g.inp('gen', (4, 3, 2))
    px = g.data(pf).transpose(2, 1, 0)
    prep = {1: [['permute', 3, 2, 1]]}
    for op in ('sum', 'max', 'argmin', 'var', 'std', 'mean', 'prod'):
        g.case('%s_permuted_all' % op, op, [pf],
               np_reduce(op, px, None, False, True), None, prep, red_tol(op))
        for d in range(3):
            g.case('%s_permuted_dim%d' % (op, d + 1), op, [pf],
                   np_reduce(op, px, d, False, True), {'dim': d + 1}, prep,
                   red_tol(op))
    # a reduction of an expanded (stride 0) view: 3x1 -> 3x5
    ef = g.inp('gen', (3, 1))
    ex = np.broadcast_to(g.data(ef), (3, 5))
    g.case('sum_expanded_dim2', 'sum', [ef], ex.sum(axis=1), {'dim': 2},
           {1: [['expand', 3, 5]]})
    g.case('std_expanded_dim1', 'std', [ef], ex.std(axis=0, ddof=1),
           {'dim': 1}, {1: [['expand', 3, 5]]}, TOL_STAT)


# --- matmul ------------------------------------------------------------------
def gen_matmul(g):
    def mm(name, sa, sb, prep=None, fa=None, fb=None, args=None, kinds=('gen', 'gen')):
        """sa, sb: stored shapes; fa, fb: numpy views matching prep."""
        a, b = g.inp(kinds[0], sa, 'a'), g.inp(kinds[1], sb, 'b')
        x, y = g.data(a), g.data(b)
        if fa:
            x = fa(x)
        if fb:
            y = fb(y)
        g.case('matmul_' + name, 'matmul', [a, b], np.matmul(x, y),
               args or {'form': 'function'}, prep, TOL_MATMUL)

    T = lambda x: x.T
    sw = lambda x: np.swapaxes(x, -1, -2)
    mm('1d_1d', (4,), (4,))
    mm('2d_1d', (3, 4), (4,))
    mm('1d_2d', (4,), (4, 5))
    mm('2d_2d', (3, 4), (4, 5))
    mm('2d_2d_method', (5, 7), (7, 2), args={'form': 'method'})
    mm('1x4_4x1', (1, 4), (4, 1))
    mm('4x1_1x3', (4, 1), (1, 3))
    mm('3d_3d', (2, 3, 4), (2, 4, 5))
    mm('3d_2d', (2, 3, 4), (4, 5))
    mm('2d_3d', (3, 4), (2, 4, 5))
    mm('3d_1d', (2, 3, 4), (4,))
    mm('1d_3d', (4,), (2, 4, 5))
    mm('4d_3d', (2, 1, 3, 4), (5, 4, 2))
    mm('1x3d_3d_bcast', (1, 3, 4), (2, 4, 5))
    mm('0inner', (3, 0), (0, 4))
    # transposed operands (stored transposed, :t() / :transpose() in Lua)
    mm('at_b', (4, 3), (4, 5), {1: [['t']]}, fa=T)
    mm('a_bt', (3, 4), (5, 4), {2: [['t']]}, fb=T)
    mm('at_bt', (4, 3), (5, 4), {1: [['t']], 2: [['t']]}, fa=T, fb=T)
    mm('at_1d', (4, 3), (4,), {1: [['t']]}, fa=T)
    mm('1d_bt', (4,), (5, 4), {2: [['t']]}, fb=T)
    mm('3d_t_3d_t', (2, 4, 3), (2, 5, 4),
       {1: [['transpose', 2, 3]], 2: [['transpose', 2, 3]]}, fa=sw, fb=sw)
    mm('3d_t_2d', (2, 4, 3), (4, 5), {1: [['transpose', 2, 3]]}, fa=sw)
    mm('3d_batch_transposed', (3, 2, 4), (2, 4, 5),
       {1: [['transpose', 1, 2]]}, fa=lambda x: np.swapaxes(x, 0, 1))
    # operands BLAS cannot read in place: expanded (stride 0), permuted
    mm('expanded_a', (1, 4), (4, 5), {1: [['expand', 3, 4]]},
       fa=lambda x: np.broadcast_to(x, (3, 4)))
    mm('permuted_a', (4, 2, 3), (2, 4, 5), {1: [['permute', 2, 3, 1]]},
       fa=lambda x: x.transpose(1, 2, 0))
    # narrowed matrix (row stride 7) and a strided vector (a column)
    mm('narrowed_a', (5, 7), (4, 3), {1: [['narrow', 2, 2, 4]]},
       fa=lambda x: x[:, 1:5])
    mm('2d_column', (3, 5), (5, 7), {2: [['select', 2, 3]]},
       fb=lambda y: y[:, 2])
    mm('row_2d', (7, 5), (5, 2), {1: [['select', 1, 6]]},
       fa=lambda x: x[5])
    mm('column_2d', (5, 3), (5, 4), {1: [['select', 2, 2]]},
       fa=lambda x: x[:, 1])
    mm('dot_strided', (4, 3), (4, 2), {1: [['select', 2, 1]], 2: [['select', 2, 2]]},
       fa=lambda x: x[:, 0], fb=lambda y: y[:, 1])
    mm('3d_t_1d', (2, 4, 3), (4,), {1: [['transpose', 2, 3]]}, fa=sw)
    mm('1d_3d_t', (4,), (2, 5, 4), {2: [['transpose', 2, 3]]}, fb=sw)
    mm('4d_t_3d_t', (2, 1, 4, 3), (5, 2, 4),
       {1: [['transpose', 3, 4]], 2: [['transpose', 2, 3]]}, fa=sw, fb=sw)


# --- views, then a copy -----------------------------------------------------
def gen_views(g):
    x3 = g.inp('gen', (2, 3, 4))
    x2 = g.inp('gen', (5, 7))
    c31 = g.inp('gen', (3, 1))
    v4 = g.inp('gen', (4,))
    X3, X2, C31, V4 = g.data(x3), g.data(x2), g.data(c31), g.data(v4)

    def chain(name, src, steps, exp, final='contiguous'):
        g.case('view_' + name, 'chain', [src], exp,
               {'steps': steps, 'final': final})

    chain('transpose13', x3, [['transpose', 1, 3]], np.swapaxes(X3, 0, 2))
    chain('transpose23_clone', x3, [['transpose', 2, 3]],
          np.swapaxes(X3, 1, 2), 'clone')
    chain('transpose_neg', x3, [['transpose', -1, 1]], np.swapaxes(X3, 2, 0))
    chain('t_5x7', x2, [['t']], X2.T)
    chain('permute312', x3, [['permute', 3, 1, 2]], X3.transpose(2, 0, 1))
    chain('permute231_clone', x3, [['permute', 2, 3, 1]],
          X3.transpose(1, 2, 0), 'clone')
    chain('narrow_cols', x2, [['narrow', 2, 2, 3]], X2[:, 1:4])
    chain('narrow_rows', x2, [['narrow', 1, 3, 3]], X2[2:5])
    chain('narrow_negstart', x2, [['narrow', 1, -2, 2]], X2[-2:])
    chain('narrow_3d_mid', x3, [['narrow', 3, 2, 2]], X3[:, :, 1:3])
    chain('select_row', x2, [['select', 1, 3]], X2[2])
    chain('select_col', x2, [['select', 2, 5]], X2[:, 4])
    chain('select_neg', x2, [['select', 2, -1]], X2[:, -1])
    chain('select_3d_twice', x3, [['select', 3, 2], ['select', 1, 2]],
          X3[1, :, 1])
    chain('expand_3x1_3x4', c31, [['expand', 3, 4]],
          np.broadcast_to(C31, (3, 4)))
    chain('expand_keep', c31, [['expand', -1, 5]],
          np.broadcast_to(C31, (3, 5)))
    chain('expand_4_2x3x4', v4, [['expand', 2, 3, 4]],
          np.broadcast_to(V4, (2, 3, 4)), 'clone')
    chain('unsqueeze_expand', v4, [['unsqueeze', 1], ['expand', 3, 4]],
          np.broadcast_to(V4[None, :], (3, 4)))
    chain('view_6x4', x3, [['view', 6, 4]], X3.reshape(6, 4))
    chain('view_infer', x3, [['view', 4, -1]], X3.reshape(4, -1))
    chain('view_flat', x3, [['view', 24]], X3.reshape(24))
    chain('view_table', x3, [['view', [3, 8]]], X3.reshape(3, 8))
    chain('narrow_rows_view', x2, [['narrow', 1, 2, 3], ['view', -1]],
          X2[1:4].reshape(-1))
    chain('transpose_view_split', x3, [['transpose', 1, 2], ['view', 3, 2, 2, 2]],
          np.swapaxes(X3, 0, 1).reshape(3, 2, 2, 2))
    chain('reshape_transposed', x2, [['t'], ['reshape', 35]], X2.T.reshape(35))
    chain('reshape_permuted', x3, [['permute', 3, 2, 1], ['reshape', 4, 6]],
          X3.transpose(2, 1, 0).reshape(4, 6))
    chain('reshape_contig', x3, [['reshape', 2, 12]], X3.reshape(2, 12))
    chain('squeeze_all', c31, [['squeeze']], C31.squeeze())
    chain('squeeze_dim', c31, [['squeeze', 2]], C31.squeeze(1))
    chain('squeeze_noop', c31, [['squeeze', 1]], C31)
    chain('unsqueeze_front', x2, [['unsqueeze', 1]], X2[None])
    chain('unsqueeze_mid', x2, [['unsqueeze', 2]], X2[:, None, :])
    chain('unsqueeze_end', x2, [['unsqueeze', 3]], X2[:, :, None])
    chain('unsqueeze_neg', x2, [['unsqueeze', -1]], X2[:, :, None])
    chain('unsqueeze_transposed', x2, [['t'], ['unsqueeze', 2]],
          X2.T[:, None, :])
    chain('combo', x3, [['transpose', 1, 3], ['narrow', 2, 2, 2], ['select', 3, 1]],
          np.swapaxes(X3, 0, 2)[:, 1:3, 0])
    chain('index_range', x2, [['index', [[2, 4], 3]]], X2[1:4, 2])
    chain('index_all_range', x3, [['index', [[], [2, 3]]]], X3[:, 1:3])
    chain('index_single_range', x3, [['index', [2, [3], [2, -1]]]],
          X3[1, 2:3, 1:])
    chain('index_row', x2, [['index', [4]]], X2[3])


# --- creation --------------------------------------------------------------
def gen_creation(g):
    def c(name, op, call, exp):
        g.case(name, op, [], np.asarray(exp, dtype=np.float64), {'call': call})

    c('linspace_0_1_5', 'linspace', [0.0, 1.0, 5], np.linspace(0, 1, 5))
    c('linspace_desc', 'linspace', [2.0, -3.0, 7], np.linspace(2, -3, 7))
    c('linspace_one', 'linspace', [-1.0, 1.0, 1], np.linspace(-1, 1, 1))
    c('linspace_empty', 'linspace', [0.0, 1.0, 0], np.linspace(0, 1, 0))
    c('linspace_thirds', 'linspace', [0.0, 1.0, 4], np.linspace(0, 1, 4))
    c('arange_5', 'arange', [5], np.arange(5))
    c('arange_1_4', 'arange', [1, 4], np.arange(1, 4))
    c('arange_quarter', 'arange', [0, 1, 0.25], np.arange(0, 1, 0.25))
    c('arange_neg_step', 'arange', [5, 1, -1.5], np.arange(5, 1, -1.5))
    c('arange_tenths', 'arange', [0, 0.3, 0.1], np.arange(0, 0.3, 0.1))
    c('arange_empty', 'arange', [3, 1], np.arange(3, 1))
    c('eye_3', 'eye', [3], np.eye(3))
    c('eye_2x4', 'eye', [2, 4], np.eye(2, 4))
    c('eye_4x2', 'eye', [4, 2], np.eye(4, 2))
    c('eye_1', 'eye', [1], np.eye(1))


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), 'golden')
    np.seterr(all='ignore')   # var of one element is NaN on purpose
    warnings.simplefilter('ignore', RuntimeWarning)
    g = Golden(out)
    gen_binary(g)
    gen_unary(g)
    gen_reductions(g)
    gen_matmul(g)
    gen_views(g)
    gen_creation(g)
    total = g.write()
    print('%d cases, %d .npy files, %.1f KB in %s' % (
        len(g.cases), len(g.arrays), total / 1024.0, out))
    if total > 300 * 1024:
        print('warning: golden files exceed 300 KB', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
