"""The expected-utility kernel's vectorised sums give the same bits as adding one voter at a time."""

from __future__ import annotations

import numpy as np
import pytest

from detente.models import _eu_kernel as kernel


def voter_by_voter(
    x: np.ndarray, w: np.ndarray, r: np.ndarray, delta: float, normalisation: str, sequential: bool
) -> np.ndarray:
    """P as the kernel computed it before the speed-up: one voter at a time, in order."""
    n = x.size
    dist = kernel._distances(x, r, delta)
    num = np.zeros((n, n))
    pair_den = np.zeros((n, n))
    den = 0.0
    for k in range(n):
        votes = w[k] * (dist[k][None, :] - dist[k][:, None])
        num = num + np.maximum(votes, 0.0)
        if normalisation == "pair":
            pair_den = pair_den + np.abs(votes)
        elif sequential:
            den = float(np.cumsum(np.concatenate(([den], np.abs(votes).ravel())))[-1])
        else:
            den = den + float(np.add.reduce(np.abs(votes), axis=None))
    same = x[:, None] == x[None, :]
    if normalisation == "pair":
        with np.errstate(invalid="ignore", divide="ignore"):
            p = np.where(pair_den > 0, num / np.where(pair_den > 0, pair_den, 1.0), 0.5)
    else:
        p = num / den if den > 0 else np.zeros((n, n))
    return np.where(same, 0.0, p)


@pytest.mark.parametrize("n", [1, 2, 6, 13, 40])
@pytest.mark.parametrize(
    ("normalisation", "sequential"), [("triple", True), ("triple", False), ("pair", False)]
)
def test_probabilities_are_bitwise_those_of_the_voter_loop(n, normalisation, sequential):
    rng = np.random.default_rng(n)
    for _ in range(20):
        x = np.round(rng.uniform(0, 100, n), rng.integers(0, 3))  # ties between positions included
        w = rng.uniform(0, 5, n) * (rng.random(n) > 0.1)
        r = rng.uniform(0.5, 2.0, n)
        delta = float(np.ptp(x)) or 1.0
        got = kernel.probabilities(x, w, r, delta, normalisation, sequential=sequential)
        want = voter_by_voter(x, w, r, delta, normalisation, sequential)
        assert got.tobytes() == want.tobytes()


def test_eu_tables_use_the_same_gains_as_the_utilities():
    rng = np.random.default_rng(1)
    x = rng.uniform(0, 100, 7)
    d = np.abs(x[:, None] - x[None, :])
    rho = np.broadcast_to(rng.uniform(0.5, 2.0, 7)[:, None], d.shape)
    us, uf, _ = kernel._utilities(d, rho, 80.0)
    us2, uf2 = kernel._gains(d, rho, 80.0)
    assert us.tobytes() == us2.tobytes() and uf.tobytes() == uf2.tobytes()
