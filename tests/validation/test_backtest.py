import numpy as np
import pytest

from detente.validation.backtest import LEVELS, Calibration, MonteCarlo, predictive, simulate
from detente.validation.crossval import Predictor, assign_folds, crossvalidate, fit_convex_lad
from detente.validation.deu import deu_cases, load_dev

CHEAP = ["compromise", "median", "nash"]
MC = MonteCarlo(draws=6)


@pytest.fixture(scope="module")
def cases():
    return deu_cases(load_dev().issues[:40])


@pytest.fixture(scope="module")
def sim(cases):
    return simulate(cases, CHEAP, mc=MC, seed=5)


def test_serial_and_parallel_runs_are_identical(cases, sim):
    par = simulate(cases, CHEAP, mc=MC, seed=5, n_jobs=2)
    np.testing.assert_array_equal(sim.draws, par.draws)
    np.testing.assert_array_equal(sim.point, par.point)


def test_a_case_does_not_depend_on_the_others_or_on_the_models_asked_for(cases, sim):
    alone = simulate(cases[7:8][::-1], ["nash"], mc=MC, seed=5)
    np.testing.assert_array_equal(alone.draws[0, 0], sim.draws[7, sim.column("nash")])
    median = simulate(cases[7:8], ["median"], mc=MC, seed=5)
    np.testing.assert_array_equal(median.draws[0, 0], sim.draws[7, sim.column("median")])
    other_seed = simulate(cases[7:8], ["nash"], mc=MC, seed=6)
    assert not np.array_equal(other_seed.draws, alone.draws)


def test_point_forecasts_use_the_base_scheme_and_draws_vary(sim):
    assert sim.point.shape == (len(sim.issues), 3)
    np.testing.assert_array_equal(sim.point, sim.variant_points["equal"])
    assert set(sim.variant_points) == {"equal", "votes", "shapley", "banzhaf"}
    assert np.all((sim.draws >= 0) & (sim.draws <= 100))
    assert np.mean(np.ptp(sim.draws[:, 0, :], axis=1) > 0) > 0.9


def test_model_draw_limits_repeat_the_first_draws(cases):
    mc = MonteCarlo(draws=6, model_draws=(("median", 2),))
    s = simulate(cases[:3], ["median"], mc=mc, seed=1)
    np.testing.assert_array_equal(s.draws[:, 0, 2:4], s.draws[:, 0, 0:2])
    assert mc.draws_of("median") == 2 and mc.draws_of("nash") == 6
    assert MonteCarlo.from_dict(mc.to_dict()) == mc


def test_calibration_hits_nominal_coverage_on_its_fitting_data():
    rng = np.random.default_rng(0)
    n = 400
    point = rng.uniform(20, 80, n)
    outcome = np.clip(point + rng.normal(0, 15, n), 0, 100)
    draws = point[:, None] + rng.normal(0, 2, (n, 8))
    for relative in (False, True):
        cal = Calibration.fit(point, draws, outcome, np.full(n, 10.0), relative=relative)
        _, lo, hi = predictive(cal, point, draws, np.full(n, 10.0))
        inside = np.mean((outcome >= lo) & (outcome <= hi))
        assert inside == pytest.approx(0.8, abs=0.02)
        assert Calibration.from_dict(cal.to_dict()).scale == pytest.approx(cal.scale, abs=1e-6)
    assert len(cal.quantiles) == len(LEVELS)


def test_convex_lad_recovers_a_mixture():
    rng = np.random.default_rng(1)
    F = rng.uniform(0, 100, (300, 3))
    y = F @ np.array([0.7, 0.3, 0.0])
    w = fit_convex_lad(F, y)
    np.testing.assert_allclose(w, [0.7, 0.3, 0.0], atol=1e-6)


def test_folds_group_proposals(sim):
    folds = assign_folds(sim.groups, 5, seed=0)
    assert set(folds) == set(sim.groups) and set(folds.values()) == set(range(5))
    assert folds == assign_folds(list(reversed(sim.groups)), 5, seed=0)


def test_crossvalidation_never_fits_on_the_held_out_proposals(sim):
    folds = assign_folds(sim.groups, 4, seed=0)
    stack = Predictor("stack", ("compromise", "median", "status_quo", "midpoint"))
    cv = crossvalidate(sim, [stack, Predictor("compromise", ("compromise",), (1.0,))], folds)
    fold = np.array([folds[g] for g in sim.groups])
    for k, fitted in enumerate(cv.fits["stack"]):
        train = sim.subset(fold != k)
        refit = stack.fit(train)
        assert refit.weights == fitted.weights
        test = fold == k
        np.testing.assert_allclose(cv.point["stack"][test], fitted.predict(sim.subset(test))[0])
    np.testing.assert_allclose(cv.point["compromise"], sim.point[:, 0])
    s = {x.model: x for x in cv.scores()}
    assert s["compromise"].vs_compromise is None and s["stack"].vs_compromise is not None
    assert 0 <= s["stack"].coverage <= 1
