"""The sampling design: sizes per method, reproducibility, strata, copula, task order."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import spearmanr

from detente.experiments.design import build_design, n_samples
from detente.experiments.spec import load_experiment, loads_experiment


def experiment(sampler: str, extra: str = "", levers: str = ""):
    return loads_experiment(
        "name: t\nscenario: korea-2017-11\nestimates: false\n"
        "uncertainties:\n"
        "- {target: stance.DPRK.nuclear.position, low: 80, high: 100}\n"
        "- {target: stance.USA.nuclear.position, distribution: normal, mean: 10, sd: 5}\n"
        "- {target: actor.China.capability, distribution: triangular, low: 10, mode: 20, high: 40}\n"
        "- {target: model.nash.utility, distribution: categorical, choices: [quadratic, linear]}\n"
        + extra
        + levers
        + f"outcomes: [forecast.nash.nuclear]\nsampler: {sampler}\n"
    )


SOBOL = "{method: sobol, n: 16}"
METHODS = [
    SOBOL,
    "{method: morris, n: 5, levels: 4}",
    "{method: latin, n: 40}",
    "{method: monte-carlo, n: 40}",
]


@pytest.mark.parametrize("sampler", METHODS)
def test_same_seed_same_design_other_seed_other_design(sampler: str):
    e = experiment(sampler)
    a, b, c = build_design(e, seed=7), build_design(e, seed=7), build_design(e, seed=8)
    assert np.array_equal(a.unit, b.unit) and np.array_equal(a.values, b.values)
    assert a.tasks() == b.tasks()
    assert not np.array_equal(a.unit, c.unit)
    assert a.n_samples == n_samples(e)
    assert a.problem["num_vars"] == 4 and a.problem["bounds"] == [[0.0, 1.0]] * 4
    # natural values stay in each input's support and valid range
    for j, inp in enumerate(e.inputs):
        lo, hi = inp.bounds
        assert ((a.values[:, j] >= lo) & (a.values[:, j] <= hi)).all()
    assert set(np.unique(a.values[:, 3])) <= {0.0, 1.0}


def test_the_spec_seed_is_the_default():
    e = loads_experiment(
        "name: t\nscenario: ec-emissions\nseed: 5\n"
        "uncertainties:\n- {target: stance.Germany.delay.position, low: 0, high: 20}\n"
        "outcomes: [forecast.compromise.delay]\nsampler: {method: latin, n: 8}\n"
    )
    assert np.array_equal(build_design(e).unit, build_design(e, seed=5).unit)
    assert not np.array_equal(build_design(e).unit, build_design(e, seed=6).unit)


@pytest.mark.parametrize(("second", "rows"), [(False, 16 * (4 + 2)), (True, 16 * (2 * 4 + 2))])
def test_sobol_rows(second: bool, rows: int):
    e = experiment(SOBOL.replace("}", f", second_order: {str(second).lower()}}}"))
    d = build_design(e, seed=1)
    assert d.unit.shape == (rows, 4) and d.problem["second_order"] is second
    # Saltelli's scheme: each block's A and B matrices frame D (or 2D) mixed rows
    a, b = d.unit[0], d.unit[5 if not second else 9]
    assert np.allclose(d.unit[1, 1:], a[1:]) and d.unit[1, 0] == b[0]


def test_morris_rows_are_trajectories_on_the_grid():
    d = build_design(experiment("{method: morris, n: 5, levels: 4}"), seed=1)
    assert d.unit.shape == (5 * (4 + 1), 4)
    assert set(np.round(np.unique(d.unit) * 3, 9)) <= {0.0, 1.0, 2.0, 3.0}
    steps = np.abs(np.diff(d.unit.reshape(5, 5, 4), axis=1))
    assert ((steps > 0).sum(axis=2) == 1).all()  # one input moves per step


def test_latin_marginals_are_stratified():
    n = 40
    d = build_design(experiment(f"{{method: latin, n: {n}}}"), seed=3)
    for j in range(d.unit.shape[1]):
        assert sorted(np.floor(d.unit[:, j] * n).astype(int)) == list(range(n))


def test_tasks_cross_levers_with_samples_in_sampler_order():
    e = experiment(
        "{method: latin, n: 6}",
        levers="levers:\n  coalitions:\n  - {id: a, actors: [China, Russia]}\n"
        "  - {id: b, actors: [ROK, Japan]}\n",
    )
    d = build_design(e, seed=2)
    tasks = d.tasks()
    assert [t.run_index for t in tasks] == list(range(12))
    assert [t.lever for t in tasks] == ["coalition:a"] * 6 + ["coalition:b"] * 6
    assert [t.sample for t in tasks] == list(range(6)) * 2
    assert tasks[7].inputs == tasks[1].inputs == d.row(1)
    assert d.task(7) == tasks[7] and list(d.lever_runs("coalition:b")) == list(range(6, 12))
    assert tasks[0].inputs["model.nash.utility"] in ("quadratic", "linear")
    assert tasks[0].inputs["stance.DPRK.nuclear.position"] == d.values[0, 0]
    assert d.choices == {"model.nash.utility": ("quadratic", "linear")}
    with pytest.raises(IndexError):
        d.task(12)


def test_monte_carlo_without_inputs_gives_replicates():
    e = loads_experiment(
        "name: t\nscenario: korea-2017-11\nestimates: false\nroadmap_ranges: false\nfitted: false\n"
        "levers: {policies: [engagement]}\noutcomes: [roadmap.interim]\n"
        "sampler: {method: monte-carlo, n: 3}\n"
    )
    d = build_design(e, seed=0)
    assert d.unit.shape == (3, 0) and [t.inputs for t in d.tasks()] == [{}, {}, {}]


CORR = (
    "- {target: stance.ROK.nuclear.position, low: 0, high: 20}\n"
    "correlations:\n- [stance.DPRK.nuclear.position, actor.China.capability, RHO1]\n"
    "- [stance.DPRK.nuclear.position, stance.ROK.nuclear.position, RHO2]\n"
)


def corr(rho1: float, rho2: float | None) -> str:
    text = CORR.replace("RHO1", str(rho1))
    if rho2 is None:
        return text.replace("- [stance.DPRK.nuclear.position, stance.ROK.nuclear.position, RHO2]\n", "")
    return text.replace("RHO2", str(rho2))


@pytest.mark.parametrize("method", ["latin", "monte-carlo"])
def test_copula_gives_the_rank_correlation(method: str):
    e = experiment(f"{{method: {method}, n: 3000}}", corr(0.6, -0.4))
    d = build_design(e, seed=11)
    names = list(d.names)
    dprk, china, rok = (names.index(n) for n in ("stance.DPRK.nuclear.position", "actor.China.capability",
                                                  "stance.ROK.nuclear.position"))  # fmt: skip
    assert spearmanr(d.values[:, dprk], d.values[:, china])[0] == pytest.approx(0.6, abs=0.05)
    assert spearmanr(d.values[:, dprk], d.values[:, rok])[0] == pytest.approx(-0.4, abs=0.05)
    usa = names.index("stance.USA.nuclear.position")
    assert abs(spearmanr(d.values[:, dprk], d.values[:, usa])[0]) < 0.06
    if method == "latin":
        for j in (dprk, china, rok):
            assert sorted(np.floor(d.unit[:, j] * 3000).astype(int)) == list(range(3000))


@given(rho=st.floats(-0.9, 0.9))
def test_copula_rank_correlation_tracks_the_request(rho: float):
    e = experiment("{method: monte-carlo, n: 2000}", corr(round(rho, 3), None))
    d = build_design(e, seed=4)
    got = spearmanr(d.unit[:, 0], d.unit[:, 2])[0]
    assert got == pytest.approx(rho, abs=0.07)


def test_embedded_designs():
    road = load_experiment("korea-roadmap")
    d = build_design(road, seed=0)
    assert d.n_samples == 64 * (len(road.inputs) + 2) and d.method == "sobol"
    assert d.n_tasks == d.n_samples * 4
    est = build_design(load_experiment("korea-estimates"), seed=0)
    assert est.n_samples == 20 * (len(est.inputs) + 1) and est.method == "morris"
