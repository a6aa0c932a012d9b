import numpy as np

from detente.validation.backtest import MonteCarlo, simulate
from detente.validation.best import candidates, fit_simulation, load_shipped
from detente.validation.crossval import assign_folds
from detente.validation.deu import deu_cases, load_dev


def test_shipped_fit_is_complete_and_grouped_by_proposal():
    shipped = load_shipped()
    raw = shipped.raw
    dev = load_dev()
    assert set(shipped.folds) == {i.proposal for i in dev.scored()}
    assert shipped.folds == assign_folds([i.proposal for i in dev.scored()], raw["n_folds"], raw["seed"])
    assert raw["selected"] in raw["candidates_cv_mae"]
    assert raw["candidates_cv_mae"][raw["selected"]] == min(raw["candidates_cv_mae"].values())
    for name in shipped.names():
        entry = raw["predictors"][name]
        assert len(entry["folds"]) == raw["n_folds"]
        full = shipped.predictor(name)
        assert full.weights is not None and abs(sum(full.weights) - 1) < 1e-5
        assert full.calibration is not None and full.calibration.scale > 0
    assert "best" in shipped.names() and "compromise" in shipped.names()


def test_fit_simulation_on_a_small_file_picks_the_lowest_cv_error():
    cases = deu_cases(load_dev().issues[:60])
    mc = MonteCarlo(draws=4)
    sim = simulate(cases, ["compromise", "median", "dominant"], mc=mc, seed=2)
    fit = fit_simulation(sim, mc=mc, seed=2)
    names = [c.name for c in candidates(sim.models, sim)]
    assert set(fit["candidates_cv_mae"]) == set(names)
    assert fit["candidates_cv_mae"][fit["selected"]] == min(fit["candidates_cv_mae"].values())
    rows = {r["model"]: r for r in fit["cv_table"]}
    assert set(rows) == {"best", "compromise", "median", "dominant"}
    # the compromise model's cross-validated MAE equals its plain MAE (nothing to fit)
    plain = np.mean(np.abs(sim.point[:, sim.column("compromise")] - sim.outcome))
    assert rows["compromise"]["MAE"] == f"{plain:.2f}"
