"""Veto players: the acceptable interval, models that honour it, and models that do not."""

from __future__ import annotations

import warnings
from typing import Any, ClassVar

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detente.models import (
    ALL_MODELS,
    SMP,
    Compromise,
    CondorcetMedian,
    DominantActor,
    ExpectedUtility,
    ExpectedUtilityMC,
    ForecastModel,
    NashBargaining,
    WeightedMedian,
)
from detente.models.base import IssueByIssueModel, ModelTags, apply_vetoes, veto_interval
from detente.models.checks import check_vetoes, veto_scenarios, without_vetoes
from detente.models.result import Forecast, IssueForecast
from detente.scenario import Actor, Issue, Scenario, Stance
from tests.generators import scenarios

HONOURING = (Compromise, WeightedMedian, CondorcetMedian, NashBargaining, DominantActor)
NOT_HONOURING = (ExpectedUtility, ExpectedUtilityMC, SMP)


def one_issue(positions, capabilities, *, status_quo, vetoes, saliences=None):
    """Actors a0, a1, ... on one issue x; ``vetoes`` are indices of the veto players."""
    saliences = saliences or [50.0] * len(positions)
    ids = [f"a{k}" for k in range(len(positions))]
    return Scenario(
        name="vetoes",
        actors=[Actor(id=a, name=a, capability=c) for a, c in zip(ids, capabilities, strict=True)],
        issues=[Issue(id="x", name="X", status_quo=status_quo, veto_players=[ids[v] for v in vetoes])],
        stances=[
            Stance(actor=a, issue="x", position=p, salience=s)
            for a, p, s in zip(ids, positions, saliences, strict=True)
        ],
    )


# --- the interval ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "status_quo, positions, expected",
    [
        (90.0, [95.0], (90.0, 100.0)),  # |x - 95| <= 5
        (85.0, [95.0], (85.0, 100.0)),  # |x - 95| <= 10 gives [85, 105], cut at 100
        (40.0, [10.0], (0.0, 40.0)),  # [-20, 40], cut at 0
        (40.0, [40.0], (40.0, 40.0)),  # a veto player at the status quo accepts nothing else
        (50.0, [60.0, 55.0], (50.0, 60.0)),  # [40, 70] and [50, 60]
        (50.0, [60.0, 30.0], (50.0, 50.0)),  # on both sides of the status quo: only the status quo
        (20.0, [30.0, 35.0, 26.0], (20.0, 32.0)),  # [20, 40], [20, 50], [20, 32]
        (50.0, [], (0.0, 100.0)),
    ],
)
def test_veto_interval_by_hand(status_quo, positions, expected):
    assert veto_interval(status_quo, positions) == expected


@settings(max_examples=200)
@given(
    st.floats(0, 100, allow_nan=False),
    st.lists(st.floats(0, 100, allow_nan=False), min_size=1, max_size=5),
)
def test_veto_interval_contains_the_status_quo_and_only_acceptable_outcomes(sq, positions):
    lo, hi = veto_interval(sq, positions)
    assert 0.0 <= lo <= sq <= hi <= 100.0
    for x in np.linspace(lo, hi, 11):
        for p in positions:
            assert abs(x - p) <= abs(sq - p) + 1e-9


# --- models that honour vetoes -----------------------------------------------------------------------


def test_a_dprk_like_veto_player_holds_the_compromise_near_the_status_quo():
    # The veto player at 95 (capability 4) and another actor at 20 (capability 11): the weighted
    # mean is (4 * 95 + 11 * 20) / 15 = 40. With the status quo at 90 the veto player accepts
    # [90, 100], so the forecast is 90; with the status quo at 85 it accepts [85, 100]: 85.
    for sq, bound in ((90.0, 90.0), (85.0, 85.0)):
        s = one_issue([95.0, 20.0], [4.0, 11.0], status_quo=sq, vetoes=[0])
        f = Compromise().forecast(s)
        assert f.position("x") == bound
        record = f.issues[0].details["veto"]
        assert record["unconstrained"] == pytest.approx(40.0)
        assert record["acceptable"] == [bound, 100.0]
        assert record["bound"] is True and record["players"] == ["a0"]
    without = Compromise().forecast(without_vetoes(s))
    assert without.position("x") == pytest.approx(40.0) and "veto" not in without.issues[0].details


def test_a_veto_that_does_not_bind_changes_nothing_and_says_so():
    # Status quo 0, veto player at 95: it accepts [0, 100]; the mean, 40, stands.
    s = one_issue([95.0, 20.0], [4.0, 11.0], status_quo=0.0, vetoes=[0])
    f = Compromise().forecast(s)
    assert f.position("x") == pytest.approx(40.0)
    assert f.issues[0].details["veto"]["bound"] is False
    assert f.issues[0].details["veto"]["acceptable"] == [0.0, 100.0]


@pytest.mark.parametrize("model_cls", HONOURING, ids=lambda c: c.name)
def test_a_veto_player_at_the_status_quo_keeps_the_status_quo(model_cls):
    s = one_issue([40.0, 80.0, 90.0], [1.0, 2.0, 3.0], status_quo=40.0, vetoes=[0])
    assert model_cls().forecast(s).position("x") == 40.0
    unconstrained = model_cls().forecast(without_vetoes(s)).position("x")
    if model_cls is NashBargaining:  # a0 gains nothing anywhere else, so Nash keeps 40 anyway
        assert unconstrained == 40.0
    else:
        assert unconstrained > 40.0


@pytest.mark.parametrize("model_cls", HONOURING, ids=lambda c: c.name)
def test_several_veto_players_bound_the_forecast_to_their_intersection(model_cls):
    # Status quo 20; veto players at 30 (accepting [10, 50]) and 26 (accepting [14, 38]): together
    # [20, 32]. Everyone else stands far above, so without vetoes every model but Nash (whose
    # disagreement point already gives every actor a veto) forecasts above 32.
    s = one_issue(
        [30.0, 26.0, 90.0, 95.0], [1.0, 1.0, 5.0, 5.0], status_quo=20.0, vetoes=[0, 1], saliences=[50] * 4
    )
    if model_cls is not NashBargaining:
        assert model_cls().forecast(without_vetoes(s)).position("x") > 32.0
    f = model_cls().forecast(s)
    assert 20.0 <= f.position("x") <= 32.0
    assert f.issues[0].details["veto"]["acceptable"] == [20.0, 32.0]


def test_each_honouring_model_is_bound_by_the_intersection_exactly():
    s = one_issue(
        [30.0, 26.0, 90.0, 95.0], [1.0, 1.0, 5.0, 5.0], status_quo=20.0, vetoes=[0, 1], saliences=[50] * 4
    )
    # compromise, median, condorcet and dominant all forecast above 32 unconstrained: projected to 32.
    for model_cls in (Compromise, WeightedMedian, CondorcetMedian, DominantActor):
        assert model_cls().forecast(s).position("x") == 32.0, model_cls.name


@pytest.mark.parametrize("utility", ["quadratic", "linear"])
def test_nash_with_the_status_quo_as_disagreement_point_already_respects_vetoes(utility):
    """Every veto player with positive weight weakly prefers the Nash solution to the status quo."""
    nash = NashBargaining(utility=utility)
    seen = 0
    for s in veto_scenarios():
        f = nash.forecast(s)
        for issue in s.issues:
            data = s.issue_data(issue.id)
            weights = dict(zip(data.actor_ids, data.capabilities * data.saliences, strict=True))
            if all(weights[a] > 0 for a in issue.veto_players):
                record = next(x for x in f.issues if x.issue == issue.id).details["veto"]
                assert record["bound"] is False, (s.name, issue.id, record)
                assert nash.forecast(without_vetoes(s)).position(issue.id) == f.position(issue.id)
                seen += 1
    assert seen >= 20


def test_nash_is_bound_only_by_a_veto_player_it_leaves_out():
    # a0 (veto, salience 0) at 70 with status quo 60 accepts [60, 80]; the Nash product, which
    # ignores actors of zero weight, lands between a1 and a2 (10 and 30), so the veto binds: 60.
    s = one_issue([70.0, 10.0, 30.0], [1.0, 2.0, 3.0], status_quo=60.0, vetoes=[0], saliences=[0, 80, 40])
    f = NashBargaining().forecast(s)
    assert f.position("x") == 60.0
    assert f.issues[0].details["veto"]["bound"] is True
    assert f.issues[0].details["veto"]["unconstrained"] < 60.0


def test_nash_at_the_edge_of_an_acceptable_set_warns_nothing():
    """Found by hypothesis: the slope is evaluated where an actor's gain is exactly 0.

    The derivative of the log Nash product is then infinite (with the right sign); it must not
    surface as numpy's "divide by zero" warning, and the forecast stays within the veto interval.
    """
    s = one_issue(
        [5.008115384989772e-09, 93.76543476157889],
        [142528.52137064733, 88822.19374569457],
        status_quo=6.057476052709956e-23,
        vetoes=[1],
        saliences=[84.5435638489723, 92.40069285131361],
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        f = NashBargaining().forecast(s)
    details = f.issues[0].details
    lo, hi = details["interval"]  # the set every actor accepts: the slope was infinite at its edge
    assert lo < f.position("x") < hi
    low, high = details["veto"]["acceptable"]
    assert low <= f.position("x") <= high


@st.composite
def vetoed_scenarios(draw: st.DrawFn) -> Scenario:
    """A generated scenario in which every issue gets a status quo and one to three veto players."""
    s = draw(scenarios(max_actors=5, max_issues=2, rich_text=False))
    issues = []
    for issue in s.issues:
        holders = [st_.actor for st_ in s.stances if st_.issue == issue.id]
        vetoes = draw(st.lists(st.sampled_from(holders), min_size=1, max_size=3, unique=True))
        sq = issue.status_quo if issue.status_quo is not None else draw(st.floats(0, 100))
        issues.append(issue.model_copy(update={"status_quo": sq, "veto_players": tuple(vetoes)}))
    return Scenario(**{**s._shallow(), "issues": tuple(issues)})


@settings(max_examples=40)
@given(vetoed_scenarios())
@pytest.mark.parametrize("model_cls", HONOURING, ids=lambda c: c.name)
def test_honouring_models_never_forecast_outside_the_veto_interval(model_cls, scenario):
    from detente.errors import DetenteError

    try:
        f = model_cls().forecast(scenario, seed=0)
    except DetenteError:
        return
    for issue in scenario.issues:
        data = scenario.issue_data(issue.id)
        lo, hi = veto_interval(
            issue.status_quo, [data.positions[data.actor_ids.index(a)] for a in issue.veto_players]
        )
        assert lo <= f.position(issue.id) <= hi


# --- models that do not ----------------------------------------------------------------------------


def test_tags_say_which_models_honour_vetoes():
    assert {c.name for c in ALL_MODELS if c.tags.honours_vetoes} == {
        "compromise",
        "median",
        "condorcet",
        "nash",
        "dominant",
    }
    assert {c.name for c in ALL_MODELS if not c.tags.honours_vetoes} == {
        "expected-utility",
        "expected-utility-mc",
        "smp",
    }


@pytest.mark.parametrize("model_cls", NOT_HONOURING, ids=lambda c: c.name)
def test_models_that_do_not_honour_vetoes_forecast_as_without_them(model_cls):
    # The DPRK-like case: these models leave the veto player's issue where their dynamics take it.
    s = one_issue([95.0, 20.0, 10.0], [4.0, 11.0, 6.0], status_quo=90.0, vetoes=[0])
    model = model_cls(runs=8) if "runs" in model_cls.model_fields else model_cls()
    f = model.forecast(s, seed=1)
    assert f.positions() == model.forecast(without_vetoes(s), seed=1).positions()
    assert f.position("x") < 90.0  # outside the veto interval [90, 100]
    assert "veto" not in f.issues[0].details


# --- the contract check can fail -----------------------------------------------------------------


class _JointMean(ForecastModel):
    """A joint model that claims to honour vetoes but takes the plain mean."""

    name: ClassVar[str] = "fake-joint-mean"
    summary: ClassVar[str] = "mean of positions"
    tags: ClassVar[ModelTags] = ModelTags(joint_issues=True, honours_vetoes=True)

    def forecast(self, scenario: Scenario, *, seed: Any = None, on_round: Any = None) -> Forecast:
        issues = [
            IssueForecast(issue=i, position=float(scenario.issue_data(i).positions.mean()))
            for i in scenario.issue_ids
        ]
        return self._result(scenario, seed, issues)


class _StatusQuoForVetoes(IssueByIssueModel):
    """An issue-by-issue model that does not claim to honour vetoes but forecasts the status quo for them."""

    name: ClassVar[str] = "fake-sq-for-vetoes"
    summary: ClassVar[str] = "status quo where an issue has veto players, else the mean"

    def _forecast_issue(self, data, rng) -> tuple[float, dict[str, Any]]:
        if data.issue.veto_players:
            return float(data.status_quo), {}
        return float(data.positions.mean()), {}


class _HonouringMean(IssueByIssueModel):
    """The plain mean, tagged as honouring vetoes: the base class bounds it."""

    name: ClassVar[str] = "fake-honouring-mean"
    summary: ClassVar[str] = "mean of positions, vetoes honoured"
    tags: ClassVar[ModelTags] = ModelTags(honours_vetoes=True)

    def _forecast_issue(self, data, rng) -> tuple[float, dict[str, Any]]:
        return float(data.positions.mean()), {}


def test_the_veto_contract_check_catches_a_model_that_claims_vetoes_but_ignores_them():
    with pytest.raises(AssertionError):
        check_vetoes(_JointMean)


def test_the_veto_contract_check_catches_a_model_that_uses_vetoes_without_saying_so():
    with pytest.raises(AssertionError):
        check_vetoes(_StatusQuoForVetoes)


def test_issue_by_issue_models_tagged_honours_vetoes_are_bounded_by_the_base_class():
    check_vetoes(_HonouringMean)
    s = one_issue([95.0, 20.0], [4.0, 11.0], status_quo=90.0, vetoes=[0])
    assert _HonouringMean().forecast(s).position("x") == 90.0  # the mean, 57.5, projected


def test_a_veto_player_left_out_of_a_sub_scenario_takes_no_part():
    # Coalition analyses copy scenarios without validation and may leave the veto player out.
    s = one_issue([95.0, 20.0], [4.0, 11.0], status_quo=90.0, vetoes=[0])
    sub = s.model_copy(
        update={"actors": s.actors[1:], "stances": tuple(x for x in s.stances if x.actor != "a0")}
    )
    data = sub.issue_data("x")
    assert apply_vetoes(data, 20.0) == (20.0, None)
    assert Compromise().forecast(sub).position("x") == 20.0
