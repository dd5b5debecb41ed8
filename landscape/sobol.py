"""Scrambled Sobol' points, the same bits as ``scipy.stats.qmc.Sobol``, without importing scipy.stats.

Every search draws its starts from a scrambled Sobol' sequence. SciPy's sampler
is the reference, but importing ``scipy.stats`` costs most of a second (it loads
every distribution), which a 5-point search should not pay. This module
computes the same points directly:

- direction numbers v (d, bits) from Joe and Kuo's table (the one SciPy ships,
  read from its file; 21201 dimensions), by the recurrence
  v_k = c_1 v_(k-1) ^ ... ^ c_(m-1) v_(k-m+1) ^ v_(k-m) ^ (v_(k-m) >> m)
  of each dimension's primitive polynomial x^m + c_1 x^(m-1) + ... + 1;
- Owen-type linear matrix scrambling plus a digital shift, drawn exactly as
  SciPy draws them (a child of the seed's SeedSequence; the shift's bits,
  then the lower-triangular matrices), so a seed gives SciPy's points;
- point i = shift XOR the direction numbers of the bits of the Gray code
  i ^ (i >> 1), for all points at once (no sequential recursion).

``tests/test_sobol.py`` checks the points against SciPy's, bit for bit.
"""

from __future__ import annotations

import functools
import importlib.util
import os

import numpy as np

BITS = 30
"""Bits per coordinate, SciPy's default: points are multiples of 2^-30."""


@functools.lru_cache(maxsize=1)
def _table() -> tuple[np.ndarray, np.ndarray] | None:
    """(poly (21201,), vinit (21201, 18)) from SciPy's copy of Joe and Kuo's table, or None."""
    spec = importlib.util.find_spec("scipy")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = os.path.join(spec.submodule_search_locations[0], "stats", "_sobol_direction_numbers.npz")
    if not os.path.exists(path):
        return None
    with np.load(path) as data:
        return data["poly"].astype(np.int64), data["vinit"].astype(np.int64)


@functools.lru_cache(maxsize=64)
def direction_numbers(d: int, bits: int = BITS) -> np.ndarray:
    """Unscrambled direction numbers (d, bits), uint64: v[j, k] holds bit k of dimension j's numbers."""
    poly, vinit = _table()
    v = np.zeros((d, bits), dtype=np.uint64)
    v[0] = 1 << np.arange(bits - 1, -1, -1, dtype=np.uint64)
    for j in range(1, d):
        p = int(poly[j])
        m = p.bit_length() - 1
        nums = [int(vinit[j, k]) << (bits - 1 - k) for k in range(min(m, bits))]
        for k in range(m, bits):
            new = nums[k - m] ^ (nums[k - m] >> m)
            for i in range(1, m):
                if (p >> (m - i)) & 1:
                    new ^= nums[k - i]
            nums.append(new)
        v[j] = nums[:bits]
    return v


def _scramble(v: np.ndarray, rng: np.random.Generator, bits: int) -> tuple[np.ndarray, np.ndarray]:
    """(scrambled direction numbers (d, bits), shift (d,)), drawn in SciPy's order from rng."""
    d = len(v)
    weights = 2 ** np.arange(bits, dtype=np.uint64)
    shift_bits = rng.integers(2, size=(d, bits), dtype=np.uint32)
    shift = (shift_bits.astype(np.uint64) * weights).sum(axis=1)
    ltm = np.tril(rng.integers(2, size=(d, bits, bits), dtype=np.uint32)).astype(np.int64)
    ltm[:, np.arange(bits), np.arange(bits)] = 1  # unit diagonal: the scrambling is invertible
    # row p of each matrix read as an integer with its first entry the high bit
    row_value = (ltm * (2 ** np.arange(bits - 1, -1, -1, dtype=np.int64))).sum(axis=-1)  # (d, bits)
    row_bits = (row_value[..., None] >> np.arange(bits)) & 1  # (d, p, k)
    v_bits = (v.astype(np.int64)[..., None] >> np.arange(bits)) & 1  # (d, j, k)
    out_bits = np.einsum("djk,dpk->djp", v_bits, row_bits) & 1  # bit p of the new number j (from the top)
    scrambled = (out_bits * (2 ** np.arange(bits - 1, -1, -1, dtype=np.int64))).sum(axis=-1)
    return scrambled.astype(np.uint64), shift


def sobol(d: int, m: int, seed, bits: int = BITS) -> np.ndarray:
    """The first 2^m points (2^m, d) of the scrambled Sobol' sequence in [0, 1)^d for ``seed``.

    ``seed`` is anything ``numpy.random.default_rng`` takes; the scrambling is
    drawn from the first child of its SeedSequence, as SciPy's
    ``qmc.Sobol(d, scramble=True, rng=default_rng(seed)).random_base2(m)`` does.
    """
    if _table() is None:  # a SciPy without the table file: its own sampler, slower to import
        from scipy.stats import qmc

        return qmc.Sobol(d=d, scramble=True, rng=np.random.default_rng(seed)).random_base2(m)
    parent = np.random.default_rng(seed)
    bg = parent.bit_generator
    rng = np.random.Generator(type(bg)(bg.seed_seq.spawn(1)[0]))
    v, shift = _scramble(direction_numbers(d, bits), rng, bits)
    i = np.arange(2**m, dtype=np.uint64)
    gray = i ^ (i >> np.uint64(1))
    x = np.broadcast_to(shift, (len(i), d)).copy()
    for b in range(max(m, 0)):
        on = ((gray >> np.uint64(b)) & np.uint64(1)).astype(bool)
        x[on] ^= v[:, b]
    return x * (1.0 / 2**bits)
