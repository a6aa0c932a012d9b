"""The expected-utility model's median voter position with actors at the same position."""

from __future__ import annotations

import numpy as np
import pytest

from detente.models._eu_kernel import median_position
from detente.models.median import weighted_median


def test_tied_positions_vote_as_one() -> None:
    # W(y) = sum |x - y|: 20 at y = 10, 40 at 0 and at 20, so 10 is the Condorcet winner (was 15)
    x = np.array([0.0, 10.0, 10.0, 20.0])
    assert median_position(x, np.ones(4)) == 10.0 == weighted_median(x, np.ones(4))


@pytest.mark.parametrize(
    ("x", "w", "expected"),
    [
        ([0.0, 10.0], [1.0, 1.0], 5.0),
        ([0.0, 10.0, 20.0], [1.0, 1.0, 3.0], 20.0),
        ([30.0, 30.0, 70.0], [1.0, 1.0, 2.0], 50.0),
    ],
)
def test_exact_half_splits_still_take_the_midpoint(x: list[float], w: list[float], expected: float) -> None:
    assert median_position(np.array(x), np.array(w)) == expected
