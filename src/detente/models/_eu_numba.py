"""The expected-utility model's N^3 vote sums and its powers, compiled (numba), bit for bit numpy's.

Optional: imported only when numba is installed (``pip install detente[fast]``) and an issue has
enough actors for compiling to pay (:data:`detente.models._eu_kernel.NUMBA_MIN_ACTORS`).

* :func:`vote_sums` computes what :func:`detente.models._eu_kernel.probabilities` sums over voters:
  every voter's vote ``w_k (D[k, j] - D[k, i])`` for every ordered pair of positions, fused into one
  loop, so nothing of size N^3 is built. The sums keep numpy's order to the last bit: the numerators
  (and the pair denominators) voter by voter from the first voter's value; the section 5b
  denominator either strictly left to right over (voter, position, position), or voter by voter of
  each voter's pairwise sum, with numpy's pairwise summation (:func:`_pairwise`: blocks of 8
  accumulators up to 128 values, halves beyond, as ``numpy.add.reduce`` sums a contiguous array).
* :func:`pow_array` is C's ``pow`` element by element, as :func:`math.pow` (numba calls the same
  libm routine; numpy's vectorised ``power`` can differ in the last bit).

No fused multiply-add or reassociation (``fastmath`` off); one thread.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

__all__ = ["pairwise_sum", "pow_array", "vote_sums"]


@njit(cache=True, error_model="numpy")
def pow_array(base: np.ndarray, exponent: np.ndarray) -> np.ndarray:
    """``base[i] ** exponent[i]`` through C's ``pow`` (1-D arrays of the same length)."""
    out = np.empty(base.size)
    for i in range(base.size):
        out[i] = math.pow(base[i], exponent[i])
    return out


@njit(cache=True, error_model="numpy")
def _leaf(a: np.ndarray, lo: int, n: int) -> float:
    """Numpy's sum of a run of at most 128 values: sequential below 8, else 8 accumulators."""
    if n < 8:
        res = 0.0
        for i in range(lo, lo + n):
            res += a[i]
        return res
    r0, r1, r2, r3 = a[lo], a[lo + 1], a[lo + 2], a[lo + 3]
    r4, r5, r6, r7 = a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]
    i = 8
    m = n - n % 8
    while i < m:
        r0 += a[lo + i]
        r1 += a[lo + i + 1]
        r2 += a[lo + i + 2]
        r3 += a[lo + i + 3]
        r4 += a[lo + i + 4]
        r5 += a[lo + i + 5]
        r6 += a[lo + i + 6]
        r7 += a[lo + i + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += a[lo + i]
        i += 1
    return res


@njit(cache=True, error_model="numpy")
def _pairwise(a: np.ndarray, lo: int, n: int) -> float:
    """The pairwise sum numpy takes of ``a[lo:lo + n]`` (float64 ``add`` reduction of a contiguous run).

    Runs of at most 128 values are leaves (:func:`_leaf`); a longer run is split after ``n2`` values
    (half of n, rounded down to a multiple of 8) and its halves' sums are added, left + right. The
    recursion is unrolled onto an explicit stack (numba's cache does not keep recursive functions).
    """
    if n <= 128:
        return _leaf(a, lo, n)
    # frame f: run (flo[f], fn[f]); state 0 new, 1 left child running, 2 left known, 3 right running
    flo = np.empty(64, np.int64)
    fn = np.empty(64, np.int64)
    state = np.zeros(64, np.int64)
    left = np.empty(64)
    top = 0
    flo[0], fn[0] = lo, n
    while True:
        half = fn[top] // 2
        half -= half % 8
        if state[top] == 0:
            if half <= 128:
                left[top] = _leaf(a, flo[top], half)
                state[top] = 2
            else:
                state[top] = 1
                top += 1
                flo[top], fn[top], state[top] = flo[top - 1], half, 0
                continue
        # state 2: the left sum is known; the right run is a leaf or a new frame
        rest = fn[top] - half
        if rest > 128:
            state[top] = 3
            top += 1
            flo[top], fn[top], state[top] = flo[top - 1] + half, rest, 0
            continue
        value = left[top] + _leaf(a, flo[top] + half, rest)
        # return the value up the stack: a parent waiting for its left or right child
        while True:
            if top == 0:
                return value
            top -= 1
            if state[top] == 1:
                left[top] = value
                state[top] = 2
                break
            value = left[top] + value  # state 3: the right child's sum


@njit(cache=True, error_model="numpy")
def pairwise_sum(a: np.ndarray) -> float:
    """``numpy.add.reduce(a)`` of a contiguous 1-D float64 array, in numpy's order."""
    return _pairwise(a, 0, a.size)


@njit(cache=True, error_model="numpy")
def vote_sums(dist: np.ndarray, w: np.ndarray, mode: int) -> tuple[np.ndarray, np.ndarray, float]:
    """Sums over voters of the votes on every ordered pair: (numerators, pair denominators, denominator).

    ``dist[k, m]``: voter k's risk-weighted distance to position m; ``w[k]``: voter k's weight.
    Voter k's vote for position i over j is ``v = w[k] * (dist[k, j] - dist[k, i])``. Numerators sum
    ``max(v, 0)``; ``mode`` 0 ("pair") also sums ``|v|`` per pair; mode 1 adds every ``|v|`` to one
    denominator strictly in (voter, i, j) order; mode 2 adds each voter's pairwise sum of its
    ``|v|`` (in (i, j) order) to the denominator, voter by voter.
    """
    n = dist.shape[0]
    num = np.empty((n, n))
    pair_den = np.empty((n, n)) if mode == 0 else np.empty((0, 0))
    row = np.empty(n * n) if mode == 2 else np.empty(0)
    den = 0.0
    # The loops over j are written out per mode and for the first voter (whose votes start the
    # sums, as numpy's reduction copies its first slice) so that each one vectorises.
    for k in range(n):
        wk = w[k]
        d = dist[k]
        for i in range(n):
            dki = d[i]
            acc = num[i]
            if mode == 0:
                pd = pair_den[i]
                if k == 0:
                    for j in range(n):
                        v = wk * (d[j] - dki)
                        acc[j] = v if not v < 0.0 else 0.0  # np.maximum(v, 0.0): NaN stays NaN
                        pd[j] = abs(v)
                else:
                    for j in range(n):
                        v = wk * (d[j] - dki)
                        acc[j] += v if not v < 0.0 else 0.0
                        pd[j] += abs(v)
            elif mode == 1:
                if k == 0:
                    for j in range(n):
                        v = wk * (d[j] - dki)
                        acc[j] = v if not v < 0.0 else 0.0
                        den += abs(v)
                else:
                    for j in range(n):
                        v = wk * (d[j] - dki)
                        acc[j] += v if not v < 0.0 else 0.0
                        den += abs(v)
            else:
                out = row[i * n : (i + 1) * n]
                if k == 0:
                    for j in range(n):
                        v = wk * (d[j] - dki)
                        acc[j] = v if not v < 0.0 else 0.0
                        out[j] = abs(v)
                else:
                    for j in range(n):
                        v = wk * (d[j] - dki)
                        acc[j] += v if not v < 0.0 else 0.0
                        out[j] = abs(v)
        if mode == 2:
            den = den + _pairwise(row, 0, n * n)
    return num, pair_den, den
