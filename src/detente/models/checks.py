"""The common contract every forecasting model passes, as plain ``check_*`` functions.

Each check takes a model class (and builds it from defaults) and raises ``AssertionError`` when the
model breaks the contract. ``tests/models/test_contract.py`` runs every check on every class in
:data:`detente.models.ALL_MODELS`; deliberate exceptions are listed, with their reason, in
:data:`KNOWN_EXCEPTIONS` and run as strict expected failures.
"""

from __future__ import annotations

import math
import pickle
import typing
from collections.abc import Callable
from typing import Any

import numpy as np
from annotated_types import Ge, Gt, Le, Lt

from detente.errors import DetenteError, ParameterError
from detente.models.base import ForecastModel, veto_interval
from detente.models.result import Forecast
from detente.scenario import Actor, Issue, Scenario, Stance
from detente.scenarios import list_scenarios, load_scenario

__all__ = [
    "ALL_CHECKS",
    "KNOWN_EXCEPTIONS",
    "check_model",
    "invalid_values",
    "scenario_from_arrays",
    "small_scenario",
    "veto_scenarios",
    "without_vetoes",
]

KNOWN_EXCEPTIONS: dict[tuple[str, str], str] = {}
"""(model name, check name) -> why the model deliberately fails that check."""

TOLERANCE = 1e-7


def scenario_from_arrays(
    positions: np.ndarray, saliences: np.ndarray, capabilities: np.ndarray, *, name: str = "arrays"
) -> Scenario:
    """A scenario from positions and saliences (actors x issues) and capabilities (actors).

    Actors are ``A000``, ``A001``, ...; issues ``x0``, ``x1``, ...; every actor holds a stance on
    every issue. For tests and benchmarks that draw their inputs as arrays.
    """
    n, n_issues = positions.shape
    actors = [Actor(id=f"A{k:03d}", name=f"Actor {k}", capability=float(capabilities[k])) for k in range(n)]
    issues = [Issue(id=f"x{d}", name=f"Issue {d}") for d in range(n_issues)]
    stances = [
        Stance(actor=a.id, issue=i.id, position=float(positions[k, d]), salience=float(saliences[k, d]))
        for k, a in enumerate(actors)
        for d, i in enumerate(issues)
    ]
    return Scenario(name=name, actors=actors, issues=issues, stances=stances)


def small_scenario() -> Scenario:
    """Four actors on two issues, with distinct positions, saliences and capabilities (no ties)."""
    actors = [Actor(id=f"a{k}", name=f"Actor {k}", capability=c) for k, c in enumerate([3.0, 1.7, 2.2, 0.9])]
    issues = [Issue(id="x", name="X", status_quo=35.0), Issue(id="y", name="Y")]
    pos = {"x": [12.0, 47.0, 71.0, 88.0], "y": [90.0, 15.0, 63.0, 38.0]}
    sal = {"x": [60.0, 35.0, 50.0, 80.0], "y": [30.0, 55.0, 45.0, 15.0]}
    stances = [
        Stance(actor=a.id, issue=i, position=pos[i][k], salience=sal[i][k])
        for i in ("x", "y")
        for k, a in enumerate(actors)
    ]
    return Scenario(name="Contract", actors=actors, issues=issues, stances=stances)


def veto_scenarios(count: int = 24, seed: int = 20261128) -> list[Scenario]:
    """Scenarios whose issues have veto players: hand-made corner cases, then ``count`` seeded random ones.

    The corner cases: a veto player at the status quo (the only acceptable outcome is the status
    quo), a DPRK-like veto player near the end of the scale that the others are far from, two veto
    players on either side of the status quo, and a veto player of zero salience (which the Nash
    product leaves out). The random ones have 2 to 6 actors on 1 to 3 issues, positions on a grid of
    5 (so ties occur) or anywhere, some saliences of zero, and 1 to 3 veto players per issue.
    """
    out = [
        _veto_case("at status quo", [40.0, 10.0, 90.0], [50.0, 60.0, 70.0], [1.0, 2.0, 3.0], 40.0, [0]),
        _veto_case("DPRK-like", [95.0, 5.0, 20.0, 10.0], [100.0, 80, 60, 50], [1.0, 4, 2, 2], 90.0, [0]),
        _veto_case("two sides", [60.0, 30.0, 0.0, 100.0], [50.0, 50, 50, 50], [1.0, 1, 3, 3], 50.0, [0, 1]),
        _veto_case("zero salience", [70.0, 10.0, 30.0], [0.0, 80.0, 40.0], [1.0, 2.0, 3.0], 60.0, [0]),
    ]
    rng = np.random.default_rng(seed)
    for k in range(count):
        n = int(rng.integers(2, 7))
        actors = [
            Actor(id=f"a{j}", name=f"Actor {j}", capability=float(rng.uniform(0.5, 5))) for j in range(n)
        ]
        issues, stances = [], []
        for i in range(int(rng.integers(1, 4))):
            grid = bool(rng.integers(2))
            pos = np.round(rng.uniform(0, 100, n) / 5) * 5 if grid else rng.uniform(0, 100, n)
            sal = np.where(rng.uniform(size=n) < 0.15, 0.0, rng.uniform(5, 100, n))
            sal[int(rng.integers(n))] = 50.0  # at least one actor with weight
            sq = float(np.round(rng.uniform(0, 100) / 5) * 5 if grid else rng.uniform(0, 100))
            vetoes = rng.choice(n, size=int(rng.integers(1, min(n, 3) + 1)), replace=False)
            issues.append(
                Issue(
                    id=f"i{i}",
                    name=f"Issue {i}",
                    status_quo=sq,
                    veto_players=[f"a{v}" for v in sorted(vetoes)],
                )
            )
            stances += [
                Stance(actor=f"a{j}", issue=f"i{i}", position=float(pos[j]), salience=float(sal[j]))
                for j in range(n)
            ]
        out.append(Scenario(name=f"Vetoes {k}", actors=actors, issues=issues, stances=stances))
    return out


def _veto_case(
    name: str,
    positions: list[float],
    saliences: list[float],
    capabilities: list[float],
    status_quo: float,
    vetoes: list[int],
) -> Scenario:
    ids = [f"a{j}" for j in range(len(positions))]
    return Scenario(
        name=f"Vetoes: {name}",
        actors=[Actor(id=a, name=a, capability=c) for a, c in zip(ids, capabilities, strict=True)],
        issues=[Issue(id="x", name="X", status_quo=status_quo, veto_players=[ids[v] for v in vetoes])],
        stances=[
            Stance(actor=a, issue="x", position=p, salience=s)
            for a, p, s in zip(ids, positions, saliences, strict=True)
        ],
    )


def without_vetoes(s: Scenario) -> Scenario:
    """The same scenario with no veto players on any issue."""
    return s.model_copy(update={"issues": tuple(i.model_copy(update={"veto_players": ()}) for i in s.issues)})


def _reorder(s: Scenario) -> Scenario:
    return Scenario(
        name=s.name,
        description=s.description,
        sources=s.sources,
        actors=s.actors[::-1],
        issues=s.issues[::-1],
        stances=s.stances[::-1],
    )


def invalid_values(model_cls: type[ForecastModel]) -> dict[str, list[Any]]:
    """For each parameter, values its declared type or constraints forbid."""
    out: dict[str, list[Any]] = {}
    for name, field in model_cls.model_fields.items():
        ann = field.annotation
        bad: list[Any] = []
        origin = typing.get_origin(ann)
        if origin is typing.Literal:
            bad.append("no-such-option")
        elif ann is bool:
            bad.append("maybe")
        elif ann in (int, float):
            bad.append("not-a-number")
            for meta in field.metadata:
                if isinstance(meta, Ge | Gt):
                    bad.append((meta.ge if isinstance(meta, Ge) else meta.gt) - 1)
                if isinstance(meta, Le | Lt):
                    bad.append((meta.le if isinstance(meta, Le) else meta.lt) + 1)
            if ann is int:
                bad.append(1.5)
        if bad:
            out[name] = bad
    return out


# --- the checks ---------------------------------------------------------------------------------------


def check_builds_repr_pickle(model_cls: type[ForecastModel]) -> None:
    """Builds from defaults, has name/summary/tags, repr shows no default params, survives pickle."""
    model = model_cls()
    assert model_cls.name and model_cls.summary, "set the class variables name and summary"
    assert repr(model) == f"{model_cls.__name__}()", repr(model)
    assert pickle.loads(pickle.dumps(model)) == model
    assert model.with_params() == model
    assert model_cls(**model.params()) == model


def check_bad_parameters_are_named(model_cls: type[ForecastModel]) -> None:
    """A bad value for any parameter, or an unknown parameter, raises ParameterError naming it."""
    for name, values in invalid_values(model_cls).items():
        for value in values:
            try:
                model_cls(**{name: value})
            except ParameterError as exc:
                assert name in exc.message, exc.message
                assert "\n" not in exc.message
            else:
                raise AssertionError(f"{model_cls.name}: {name}={value!r} was accepted")
    try:
        model_cls(no_such_parameter=1)
    except ParameterError as exc:
        assert "no_such_parameter" in exc.message
    else:
        raise AssertionError("an unknown parameter was accepted")


def check_forecast_is_pure(model_cls: type[ForecastModel]) -> None:
    """Forecasting changes neither the model nor the scenario."""
    model, s = model_cls(), small_scenario()
    before_model, before_s = model.model_dump_json(), s.model_dump_json()
    model.forecast(s, seed=3)
    assert model.model_dump_json() == before_model
    assert s.model_dump_json() == before_s


def check_seed(model_cls: type[ForecastModel]) -> None:
    """Same seed, identical forecast; a model not tagged stochastic ignores the seed."""
    model, s = model_cls(), small_scenario()
    a, b = model.forecast(s, seed=11), model.forecast(s, seed=11)
    assert a == b
    if not model_cls.tags.stochastic:
        c = model.forecast(s, seed=12)
        assert a.positions() == c.positions() and a.rounds == c.rounds


def check_order_invariance(model_cls: type[ForecastModel]) -> None:
    """Reordering actors and issues leaves every issue's forecast unchanged."""
    model, s = model_cls(), small_scenario()
    a = model.forecast(s, seed=5).positions()
    b = model.forecast(_reorder(s), seed=5).positions()
    for issue, value in a.items():
        assert math.isclose(value, b[issue], abs_tol=TOLERANCE), (issue, value, b[issue])


def check_scale_unanimity_lone_actor(model_cls: type[ForecastModel]) -> None:
    """Forecasts stay on 0-100; unanimous actors get their shared position; a lone actor its own."""
    model = model_cls()
    f = model.forecast(small_scenario(), seed=1)
    assert all(0.0 - TOLERANCE <= x.position <= 100.0 + TOLERANCE for x in f.issues)
    base = small_scenario()
    unanimous = base.replace_stances([st.model_copy(update={"position": 64.0}) for st in base.stances])
    g = model.forecast(unanimous, seed=1)
    assert all(math.isclose(x.position, 64.0, abs_tol=1e-6) for x in g.issues), g.positions()
    lone = Scenario(
        name="Lone",
        actors=[Actor(id="solo", name="Solo", capability=2.0)],
        issues=[Issue(id="x", name="X")],
        stances=[Stance(actor="solo", issue="x", position=23.0, salience=40.0)],
    )
    try:
        h = model.forecast(lone, seed=1)
    except DetenteError:
        if model_cls.tags.joint_issues:  # multidimensional bargaining models may need several actors
            return
        raise
    assert math.isclose(h.position("x"), 23.0, abs_tol=1e-6), h.positions()


def check_result_shape(model_cls: type[ForecastModel]) -> None:
    """The Forecast round-trips through JSON; rounds are non-empty exactly when tagged produces_rounds."""
    f = model_cls().forecast(small_scenario(), seed=2)
    assert Forecast.model_validate_json(f.model_dump_json()) == f
    assert f.model == model_cls.name
    assert [x.issue for x in f.issues] == ["x", "y"]
    assert bool(f.rounds) == model_cls.tags.produces_rounds
    for r in f.rounds:
        for positions in r.positions.values():
            assert all(0.0 - TOLERANCE <= v <= 100.0 + TOLERANCE for v in positions.values())


def check_embedded_scenarios(model_cls: type[ForecastModel]) -> None:
    """Every embedded scenario gives a Forecast or a DetenteError, never another exception.

    A Monte Carlo model (one with a ``runs`` parameter) is checked with a few runs: the check is
    about robustness on every input, and each run is the same code path.
    """
    model = model_cls()
    if "runs" in model.params():
        model = model.with_params(runs=4)
    for name in list_scenarios():
        try:
            f = model.forecast(load_scenario(name), seed=0)
        except DetenteError:
            continue
        assert all(np.isfinite(x.position) for x in f.issues), name


def check_vetoes(model_cls: type[ForecastModel]) -> None:
    """A model tagged ``honours_vetoes`` never forecasts outside the veto interval; any other ignores vetoes.

    On every scenario of :func:`veto_scenarios` (a Monte Carlo model with a few runs), the forecast
    of an issue with veto players lies in the outcomes every veto player weakly prefers to the status
    quo (:func:`~detente.models.base.veto_interval`) when the model honours vetoes, and is the
    forecast of the same scenario without veto players when it does not.
    """
    model = model_cls()
    if "runs" in model.params():
        model = model.with_params(runs=4)
    checked = 0
    for s in veto_scenarios():
        try:
            f = model.forecast(s, seed=0)
        except DetenteError:
            continue
        checked += 1
        if not model_cls.tags.honours_vetoes:
            g = model.forecast(without_vetoes(s), seed=0)
            assert f.positions() == g.positions(), (s.name, f.positions(), g.positions())
            continue
        for issue in s.issues:
            data = s.issue_data(issue.id)
            players = [data.positions[data.actor_ids.index(a)] for a in issue.veto_players]
            assert issue.status_quo is not None
            lo, hi = veto_interval(issue.status_quo, players)
            x = f.position(issue.id)
            assert lo - TOLERANCE <= x <= hi + TOLERANCE, (s.name, issue.id, x, (lo, hi))
    assert checked, "the model forecast none of the veto scenarios"


ALL_CHECKS: tuple[Callable[[type[ForecastModel]], None], ...] = (
    check_builds_repr_pickle,
    check_bad_parameters_are_named,
    check_forecast_is_pure,
    check_seed,
    check_order_invariance,
    check_scale_unanimity_lone_actor,
    check_result_shape,
    check_embedded_scenarios,
    check_vetoes,
)
"""Every contract check, in the order the test suite runs them."""


def check_model(model_cls: type[ForecastModel]) -> None:
    """Run every contract check on a model class, except its known exceptions."""
    for check in ALL_CHECKS:
        if (model_cls.name, check.__name__) not in KNOWN_EXCEPTIONS:
            check(model_cls)
