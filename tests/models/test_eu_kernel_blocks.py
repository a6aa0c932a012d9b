"""The expected-utility kernel's P in voter blocks: the same bits for every block size, O(n^2) memory."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from detente.models import _eu_kernel as kernel
from tests.models.test_eu_kernel_vectorised import voter_by_voter


@pytest.mark.parametrize("block", [1, 7, 50, 4096])
@pytest.mark.parametrize(
    ("normalisation", "sequential"), [("triple", True), ("triple", False), ("pair", False)]
)
def test_every_block_size_gives_the_bits_of_the_voter_loop(
    monkeypatch: pytest.MonkeyPatch, block: int, normalisation: str, sequential: bool
) -> None:
    monkeypatch.setattr(kernel, "VOTER_BLOCK", block)
    rng = np.random.default_rng(block)
    for n in (1, 2, 5, 17, 33):
        x = np.round(rng.uniform(0, 100, n), rng.integers(0, 3))
        w = rng.uniform(0, 5, n) * (rng.random(n) > 0.1)
        r = rng.uniform(0.5, 2.0, n)
        delta = float(np.ptp(x)) or 1.0
        got = kernel.probabilities(x, w, r, delta, normalisation, sequential=sequential)
        want = voter_by_voter(x, w, r, delta, normalisation, sequential)
        assert got.tobytes() == want.tobytes(), n


def test_probabilities_hold_no_actors_cubed_array(monkeypatch: pytest.MonkeyPatch) -> None:
    """200 actors: an actors^3 array of votes would take 61 MiB; the blocks take well under 8."""
    monkeypatch.setattr(kernel, "USE_NUMBA", False)  # the numpy path (the compiled one holds no block)
    rng = np.random.default_rng(3)
    n = 200
    x, w, r = rng.uniform(0, 100, n), rng.uniform(0.1, 1.0, n), rng.uniform(0.5, 2.0, n)
    tracemalloc.start()
    kernel.probabilities(x, w, r, 100.0, "triple", sequential=False)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 8 * 2**20
