#!/usr/bin/python3
"""Writes the tiny NumPy-made .npy files that tests/c/test_npy.c loads.

Run with the Debian python that has numpy, from anywhere:
    /usr/bin/python3 tests/gen_npy_fixtures.py
The files land in tests/golden/npy/ and are committed; the C test hard-codes
the values below, so change both together. The f4_* files written by
np.save are also compared byte for byte with iddl_npy_save's output.
"""
import os

import numpy as np
from numpy.lib import format as npformat

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'golden', 'npy')


def save(name, a, version=None):
    """np.save (or write_array with an explicit format version)."""
    with open(os.path.join(OUT, name), 'wb') as f:
        if version is None:
            np.save(f, a)
        else:
            npformat.write_array(f, a, version=version)


def main():
    os.makedirs(OUT, exist_ok=True)
    f4 = '<f4'
    # float32, also the byte-for-byte references for the writer.
    save('f4_2x3.npy', (np.arange(6, dtype=f4) - 2.5).reshape(2, 3))
    save('f4_scalar.npy', np.array(3.25, dtype=f4))
    save('f4_5.npy', np.arange(5, dtype=f4) * 0.5)
    save('f4_2x0x3.npy', np.zeros((2, 0, 3), dtype=f4))
    # The other dtypes the loader converts.
    save('f8_5.npy', np.array([0.1, -2.5, 1e10, -0.0, 3.0], dtype='<f8'))
    save('i1_4.npy', np.array([-128, -1, 0, 127], dtype='i1'))
    save('i2_0x3.npy', np.zeros((0, 3), dtype='<i2'))
    save('i4_2x2.npy', np.array([[-2**31, -1], [0, 2**31 - 1]], dtype='<i4'))
    save('i8_3.npy', np.array([-2**40, 0, 2**53], dtype='<i8'))
    save('u1_2x2.npy', np.array([[0, 1], [128, 255]], dtype='u1'))
    save('u2_3.npy', np.array([0, 1, 65535], dtype='<u2'))
    save('u4_2.npy', np.array([0, 2**32 - 1], dtype='<u4'))
    save('u8_2.npy', np.array([1, 2**64 - 1], dtype='<u8'))
    save('b1_3.npy', np.array([True, False, True]))
    # Fortran order: np.save keeps the column-major layout of these.
    save('f4_fortran_2x3x4.npy',
         np.asfortranarray(np.arange(24, dtype=f4).reshape(2, 3, 4)))
    save('i4_fortran_3x2.npy',
         np.asfortranarray(np.arange(6, dtype='<i4').reshape(3, 2)))
    # Format versions 2.0 and 3.0 (uint32 header length).
    save('f4_v2_3.npy', np.arange(3, dtype=f4), version=(2, 0))
    save('f4_v3_2x2.npy', np.arange(4, dtype=f4).reshape(2, 2), version=(3, 0))
    # Files the loader must refuse.
    save('f4_bigendian_2.npy', np.array([1, 2], dtype='>f4'))
    save('c8_2.npy', np.array([1 + 2j, 3], dtype='<c8'))


if __name__ == '__main__':
    main()
