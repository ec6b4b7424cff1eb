"""Writes tests/golden/bibd_sage.txt: what SageMath's
designs.balanced_incomplete_block_design(v, k, lambda, existence=True)
answers on the grid that tests/lua/bibd_sage_spec.lua compares iddl.bibd
with (lambda = 1: 3 <= k <= 10, k < v <= 300; lambda = 2, 3: v <= 100;
admissible parameters only). Debian's SageMath 9.5 (apt-get install
sagemath), not needed by the tests:

    sage -python tests/gen_bibd_sage.py
"""
import os

from sage.all import designs, version

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'golden', 'bibd_sage.txt')


def admissible(v, k, lam):
    return (lam * (v - 1)) % (k - 1) == 0 and (lam * v * (v - 1)) % (k * (k - 1)) == 0


def main():
    rows = []
    for lam in (1, 2, 3):
        for k in range(3, 11):
            for v in range(k + 1, (300 if lam == 1 else 100) + 1):
                if admissible(v, k, lam):
                    answer = designs.balanced_incomplete_block_design(v, k, lam, existence=True)
                    rows.append('%d %d %d %s' % (v, k, lam, answer))
    tmp = OUT + '.tmp'
    with open(tmp, 'w') as f:
        f.write('# v k lambda, then what %s answers to balanced_incomplete_block_design(v, k, lambda, existence=True)\n'
                % version())
        f.write('\n'.join(rows) + '\n')
    os.replace(tmp, OUT)
    print('%s: %d parameter sets' % (OUT, len(rows)))


if __name__ == '__main__':
    main()
