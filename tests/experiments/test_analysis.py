"""Sensitivity, ranking dependence and PRIM on analytic functions whose answers are known."""

from __future__ import annotations

import json

import numpy as np
import pytest
from SALib.sample import latin as latin_sample
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample
from SALib.test_functions import Ishigami

from detente.errors import InputError, ModelError, ParameterError
from detente.experiments.analysis import (
    InputInfo,
    MorrisResult,
    RegressionResult,
    SobolResult,
    morris_indices,
    prim_boxes,
    rank_inputs,
    rank_regression,
    ranking_dependence,
    sensitivity,
    signposts,
    sobol_indices,
)

ISHIGAMI = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-np.pi, np.pi]] * 3}
ISHIGAMI_S1 = np.array([0.3139, 0.4424, 0.0])
ISHIGAMI_ST = np.array([0.5576, 0.4424, 0.2437])
UNIT3 = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[0.0, 1.0]] * 3}


def linear(X: np.ndarray) -> np.ndarray:
    return 3 * X[:, 0] + X[:, 1]


@pytest.fixture(scope="module")
def ishigami_large() -> SobolResult:
    X = sobol_sample.sample(ISHIGAMI, 2048, calc_second_order=False, seed=11)
    return sobol_indices(ISHIGAMI, Ishigami.evaluate(X), seed=5, outcome="ishigami", num_resamples=300)


# ----------------------------------------------------------------------------------------- Sobol


def test_sobol_recovers_ishigami_within_interval(ishigami_large: SobolResult) -> None:
    r = ishigami_large
    # Truth inside the 95% interval (allowing a little slack for the bootstrap's own noise).
    assert np.all(np.abs(r.S1 - ISHIGAMI_S1) <= 1.5 * r.S1_conf + 0.01)
    assert np.all(np.abs(r.ST - ISHIGAMI_ST) <= 1.5 * r.ST_conf + 0.01)
    assert np.allclose(r.ST, ISHIGAMI_ST, atol=0.06)
    assert [row["input"] for row in r.rows()] == ["x1", "x2", "x3"]
    assert r.warnings == ()
    assert r.n_base == 2048 and r.n_runs == 2048 * 5
    assert not r.negligible.any()  # x3 acts only through its interaction with x1: ST 0.24


def test_sobol_second_order_is_inferred() -> None:
    X = sobol_sample.sample(ISHIGAMI, 512, calc_second_order=True, seed=2)
    r = sobol_indices(ISHIGAMI, Ishigami.evaluate(X), num_resamples=100)
    assert r.S2 is not None and r.S2.shape == (3, 3)
    assert r.n_base == 512
    # The x1-x3 interaction is the only second-order term of the Ishigami function (S13 ~ 0.244).
    assert r.S2[0, 2] == pytest.approx(0.244, abs=0.15)


def test_sobol_convergence_warning_small_n_not_large(ishigami_large: SobolResult) -> None:
    X = sobol_sample.sample(ISHIGAMI, 32, calc_second_order=False, seed=11)
    small = sobol_indices(ISHIGAMI, Ishigami.evaluate(X), seed=5, outcome="ishigami")
    assert small.warnings and "not converged" in small.warnings[0]
    assert "increase the base sample n (now 32)" in small.warnings[0]
    assert ishigami_large.warnings == ()


def test_sobol_is_deterministic_in_seed() -> None:
    X = sobol_sample.sample(ISHIGAMI, 128, calc_second_order=False, seed=3)
    Y = Ishigami.evaluate(X)
    a = sobol_indices(ISHIGAMI, Y, seed=9, num_resamples=200)
    b = sobol_indices(ISHIGAMI, Y, seed=9, num_resamples=200)
    c = sobol_indices(ISHIGAMI, Y, seed=10, num_resamples=200)
    assert np.array_equal(a.ST_conf, b.ST_conf) and np.array_equal(a.S1_conf, b.S1_conf)
    assert not np.array_equal(a.ST_conf, c.ST_conf)  # the seed drives the bootstrap
    assert json.dumps(a.to_json_dict()) == json.dumps(b.to_json_dict())


def test_sobol_linear_model_flags_irrelevant_input() -> None:
    X = sobol_sample.sample(UNIT3, 512, calc_second_order=False, seed=1)
    r = sobol_indices(UNIT3, linear(X), num_resamples=200)
    assert r.ST[0] == pytest.approx(0.9, abs=0.05)  # 9/(9+1) of the variance
    assert r.ST[1] == pytest.approx(0.1, abs=0.03)
    assert list(r.negligible) == [False, False, True]


def test_sobol_refuses_nan_unless_filled() -> None:
    X = sobol_sample.sample(UNIT3, 64, calc_second_order=False, seed=1)
    Y = linear(X)
    Y[[3, 40]] = np.nan
    with pytest.raises(ModelError, match=r"2 of 320 values .* missing") as info:
        sobol_indices(UNIT3, Y, outcome="time to freeze")
    assert "fill_value" in info.value.message
    r = sobol_indices(UNIT3, Y, fill_value=4.0, num_resamples=50)
    assert r.n_missing == 2 and r.fill_value == 4.0
    assert any("set to 4" in w for w in r.warnings)


def test_sobol_rejects_a_design_of_the_wrong_size() -> None:
    with pytest.raises(InputError, match="do not fit a Saltelli design"):
        sobol_indices(UNIT3, np.zeros(21))
    with pytest.raises(ParameterError):
        sobol_indices({"bounds": [[0, 1]]}, np.zeros(10))


def test_constant_outcome_is_reported_not_crashed() -> None:
    X = sobol_sample.sample(UNIT3, 64, calc_second_order=False, seed=1)
    r = sobol_indices(UNIT3, np.ones(len(X)), num_resamples=50)
    assert any("does not vary" in w for w in r.warnings)


# ---------------------------------------------------------------------------------------- Morris


def test_morris_orders_linear_inputs_and_flags_the_irrelevant_one() -> None:
    X = morris_sample.sample(UNIT3, 40, num_levels=4, seed=4)
    r = morris_indices(UNIT3, X, linear(X), seed=1, outcome="y")
    assert isinstance(r, MorrisResult)
    assert [row["input"] for row in r.rows()] == ["x1", "x2", "x3"]
    assert r.mu_star[0] == pytest.approx(3.0) and r.mu_star[1] == pytest.approx(1.0)
    assert list(r.negligible) == [False, False, True]
    assert r.n_trajectories == 40


def test_morris_refuses_nan() -> None:
    X = morris_sample.sample(UNIT3, 10, num_levels=4, seed=4)
    Y = linear(X)
    Y[0] = np.nan
    with pytest.raises(ModelError, match="Morris design needs every run"):
        morris_indices(UNIT3, X, Y)


# ------------------------------------------------------------------------------- rank regression


def test_srrc_orders_linear_inputs_and_flags_the_irrelevant_one() -> None:
    X = latin_sample.sample(UNIT3, 400, seed=8)
    r = rank_regression(X, linear(X), names=UNIT3["names"], outcome="y")
    assert isinstance(r, RegressionResult)
    assert [row["input"] for row in r.rows()] == ["x1", "x2", "x3"]
    assert r.srrc[0] > 0.9 and 0.2 < r.srrc[1] < 0.4
    assert list(r.negligible) == [False, False, True]
    assert r.r2 > 0.95 and r.warnings == ()


def test_srrc_warns_for_non_monotone_outcome() -> None:
    X = latin_sample.sample(ISHIGAMI, 500, seed=8)
    r = rank_regression(X, Ishigami.evaluate(X), names=ISHIGAMI["names"])
    assert r.r2 < 0.7
    assert any("Sobol design" in w for w in r.warnings)


def test_srrc_drops_nan_with_warning() -> None:
    X = latin_sample.sample(UNIT3, 200, seed=8)
    Y = linear(X)
    Y[:10] = np.nan
    with pytest.warns(UserWarning, match="10 of 200 runs"):
        r = rank_regression(X, Y, names=UNIT3["names"])
    assert r.n_runs == 190 and r.n_missing == 10
    assert r.rows()[0]["input"] == "x1"


def test_sensitivity_dispatches_on_sampler() -> None:
    X = latin_sample.sample(UNIT3, 100, seed=1)
    assert isinstance(sensitivity(UNIT3, "monte-carlo", X, linear(X)), RegressionResult)
    X = morris_sample.sample(UNIT3, 10, num_levels=4, seed=4)
    assert isinstance(sensitivity(UNIT3, "morris", X, linear(X)), MorrisResult)
    with pytest.raises(ParameterError, match="unknown sampler"):
        sensitivity(UNIT3, "fast", X, linear(X))


# ---------------------------------------------------------------------------------------- ranking


def test_rank_inputs_shows_kind_range_and_interval() -> None:
    X = latin_sample.sample(UNIT3, 300, seed=8)
    r = rank_regression(X, linear(X), names=UNIT3["names"])
    info = [
        InputInfo("x1", "estimate", 0.0, 1.0, rationale="China's stance, from the 2018 essays"),
        InputInfo("x3", "fitted", 0.0, 1.0),
    ]
    ranked = rank_inputs(r, info)
    assert [x.name for x in ranked] == ["x1", "x2", "x3"]
    assert [x.rank for x in ranked] == [1, 2, 3]
    row = ranked[0].row()
    assert row["kind"] == "analyst's estimate" and row["range"] == "0 to 1"
    assert row["|SRRC|"].startswith("0.9") and "[" in row["|SRRC|"]
    assert ranked[1].kind == "user"  # no metadata given
    assert ranked[2].negligible and ranked[2].row()["negligible"] == "yes"
    assert ranked[0].rationale.startswith("China")


# ----------------------------------------------------------------------------- ranking dependence


def test_ranking_dependence_finds_the_deciding_input() -> None:
    prob = {"num_vars": 3, "names": ["resolve", "cost", "noise"], "bounds": [[0.0, 1.0]] * 3}
    X = sobol_sample.sample(prob, 512, calc_second_order=False, seed=6)
    y_a = 1.0 + 0.2 * X[:, 1]  # engagement: steady, a little dependent on cost
    y_b = 2.0 * X[:, 0] + 0.2 * X[:, 1]  # pressure: works only against a weak resolve
    rd = ranking_dependence(
        prob, "sobol", X, y_a, y_b, lever_a="engage", lever_b="pressure", outcome="P(deal)", seed=1
    )
    assert rd.share_a_better == pytest.approx(0.5, abs=0.05)
    assert rd.share_low < rd.share_a_better < rd.share_high
    assert rd.decisive[0] == "resolve"
    assert "cost" not in rd.decisive  # cost moves both levers alike: it cannot change the ranking
    assert rd.difference.ST[1] < 0.01
    assert rd.indicator is not None and rd.indicator.ST[0] > 0.9
    json.dumps(rd.to_json_dict())


def test_ranking_dependence_when_one_lever_always_wins() -> None:
    X = latin_sample.sample(UNIT3, 100, seed=1)
    rd = ranking_dependence(
        UNIT3, "latin", X, linear(X) + 10, linear(X), lever_a="a", lever_b="b", outcome="y"
    )
    assert rd.share_a_better == 1.0 and rd.indicator is None and rd.decisive == []
    low = ranking_dependence(
        UNIT3, "latin", X, linear(X) + 10, linear(X), lever_a="a", lever_b="b", outcome="y",
        higher_is_better=False,
    )  # fmt: skip
    assert low.share_a_better == 0.0


# ------------------------------------------------------------------------------------------- PRIM


@pytest.fixture(scope="module")
def prim_data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(42)
    X = rng.random((1000, 3))
    y = (X[:, 0] < 0.3) & (X[:, 1] > 0.6)
    return X, y


def test_prim_finds_the_box(prim_data: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = prim_data
    r = prim_boxes(X, y, names=["learning", "resolve", "noise"], case="step freeze fails")
    assert r.n_of_interest == int(y.sum()) and r.base_rate == pytest.approx(y.mean())
    box = r.boxes[0]
    assert set(box.restricted) == {"learning", "resolve"}  # not the noise input
    lim = {b.name: b for b in box.limits}
    assert lim["learning"].low is None and lim["learning"].high == pytest.approx(0.3, abs=0.03)
    assert lim["resolve"].high is None and lim["resolve"].low == pytest.approx(0.6, abs=0.03)
    assert box.density > 0.9 and box.coverage > 0.9
    assert box.trajectory["coverage"][box.chosen] == box.coverage
    assert box.n_of_interest == round(box.density * box.n_cases)
    json.dumps(r.to_json_dict())


def test_prim_accepts_values_and_threshold(prim_data: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = prim_data
    p_fail = np.where(y, 0.9, 0.1)
    r = prim_boxes(X, p_fail, threshold=0.5, names=["a", "b", "c"])
    assert set(r.boxes[0].restricted) == {"a", "b"}
    with pytest.raises(ParameterError, match="no threshold"):
        prim_boxes(X, p_fail, names=["a", "b", "c"])


def test_prim_drops_nan_with_warning(prim_data: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = prim_data
    v = y.astype(float)
    v[:7] = np.nan
    with pytest.warns(UserWarning, match="7 of 1000 runs"):
        r = prim_boxes(X, v, threshold=0.5, names=["a", "b", "c"])
    assert r.n_dropped == 7 and r.n_runs == 993 and r.boxes


def test_prim_categorical_input() -> None:
    rng = np.random.default_rng(3)
    X = np.column_stack([rng.random(800), rng.integers(0, 3, 800)])
    y = (X[:, 0] < 0.5) & (X[:, 1] == 2)
    r = prim_boxes(X, y, names=["x", "regime"], choices={"regime": ["talks", "freeze", "crisis"]})
    lim = {b.name: b for b in r.boxes[0].limits}
    assert lim["regime"].choices == ("crisis",)
    assert lim["x"].high == pytest.approx(0.5, abs=0.05)


def test_prim_without_cases_gives_no_box() -> None:
    X = np.random.default_rng(0).random((50, 2))
    r = prim_boxes(X, np.zeros(50, dtype=bool), names=["a", "b"], case="war")
    assert r.boxes == () and "nothing to separate" in r.warnings[0]
    assert "No region" in signposts(r)[0]


def test_signposts_name_inputs_triggers_and_baselines(prim_data: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = prim_data
    r = prim_boxes(X, y, names=["learning", "monthly_cost", "noise"], case="step freeze fails")
    lim = {b.name: b for b in r.boxes[0].limits}
    info = [InputInfo("learning", "estimate", baseline=0.5), InputInfo("monthly_cost", "range", baseline=0.7)]
    (text,) = signposts(r, info)
    assert text.startswith("Step freeze fails in ")
    assert f"learning < {lim['learning'].high:.3g}" in text
    assert f"monthly_cost > {lim['monthly_cost'].low:.3g}" in text
    assert "Signposts to watch: learning (now 0.5; trigger: falls below" in text
    assert "monthly_cost (now 0.7; trigger: rises above" in text
    assert "already inside the box" in text  # 0.7 > ~0.6 already
    assert "noise" not in text
    assert f"coverage {r.boxes[0].coverage:.0%}" in text


def test_prim_is_deterministic(prim_data: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = prim_data
    a = prim_boxes(X, y, names=["a", "b", "c"]).to_json_dict()
    b = prim_boxes(X, y, names=["a", "b", "c"]).to_json_dict()
    assert json.dumps(a) == json.dumps(b)
