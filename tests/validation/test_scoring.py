import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from detente.validation.scoring import coverage, crps_samples, mae, median_ae, paired_bootstrap, rmse, score


def crps_brute(samples, y):
    x = np.asarray(samples, dtype=float)
    return np.mean(np.abs(x - y)) - 0.5 * np.mean(np.abs(x[:, None] - x[None, :]))


@given(st.lists(st.floats(0, 100), min_size=1, max_size=30), st.floats(0, 100))
def test_crps_matches_the_pairwise_definition(samples, y):
    got = crps_samples(np.array([samples]), np.array([y]))[0]
    assert got == pytest.approx(crps_brute(samples, y), abs=1e-9)
    assert got >= -1e-9


def test_crps_of_a_point_forecast_is_the_absolute_error_and_spread_helps_when_unsure():
    assert crps_samples(np.array([[30.0] * 5]), np.array([50.0]))[0] == pytest.approx(20.0)
    wide = crps_samples(np.array([np.linspace(0, 100, 101)]), np.array([100.0]))[0]
    assert wide < 50.0  # a uniform forecast beats the point forecast 50 for an outcome at 100


def test_point_scores():
    f, y = np.array([0.0, 10.0, 40.0, 100.0]), np.array([10.0, 10.0, 0.0, 70.0])
    assert mae(f, y) == 20.0
    assert median_ae(f, y) == 20.0
    assert rmse(f, y) == pytest.approx(np.sqrt((100 + 1600 + 900) / 4))
    assert coverage(f - 5, f + 5, y) == 0.25


def test_paired_bootstrap_brackets_the_mean_and_is_seeded():
    rng = np.random.default_rng(3)
    a, b = rng.uniform(0, 40, 200), rng.uniform(0, 40, 200)
    d = paired_bootstrap(a, b, seed=1)
    assert d.low <= d.mean <= d.high
    assert d.mean == pytest.approx(np.mean(a - b))
    assert d == paired_bootstrap(a, b, seed=1)
    groups = [str(k // 4) for k in range(200)]
    g = paired_bootstrap(a, b, groups=groups, seed=1)
    assert g.mean == pytest.approx(d.mean) and g.low <= g.mean <= g.high
    # a model that is always 5 points worse: the CI is exactly +5
    same = paired_bootstrap(a + 5, a, seed=0)
    assert same.low == pytest.approx(5) and same.high == pytest.approx(5)


def test_score_row():
    y = np.array([0.0, 100.0, 50.0])
    s = score("m", y + 10, y, y + 20, np.repeat((y + 10)[:, None], 3, axis=1), y, reference=y + 20)
    row = s.row()
    assert row["MAE"] == "10.00" and row["80% coverage"] == "100.0%" and row["CRPS"] == "10.00"
    assert row["MAE - compromise [95% CI]"] == "-10.00 [-10.00, -10.00]"
