import numpy as np
import pytest
from pydantic import ValidationError

from detente.scenario import Actor, Issue, Scenario, Source, Stance, Uncertainty, Units


def base(**changes):
    data = dict(
        name="S",
        sources=[Source(id="src", title="A source")],
        actors=[Actor(id="A", name="A", capability=1), Actor(id="B", name="B", capability=2)],
        issues=[Issue(id="x", name="X"), Issue(id="y", name="Y", status_quo=20)],
        stances=[
            Stance(actor="A", issue="x", position=10, salience=50),
            Stance(actor="B", issue="x", position=90, salience=40),
            Stance(actor="B", issue="y", position=30, salience=70, uncertainty=Uncertainty(sd=5)),
        ],
    )
    data.update(changes)
    return Scenario(**data)


def test_arrays_follow_scenario_order_with_nan_for_missing_stances():
    s = base()
    assert s.actor_ids == ("A", "B")
    pos = s.positions()
    assert pos.shape == (2, 2)
    assert pos[0, 0] == 10 and pos[1, 1] == 30 and np.isnan(pos[0, 1])
    assert s.saliences()[0, 1] == 0
    assert s.has_stance().tolist() == [[True, False], [True, True]]
    d = s.issue_data("y")
    assert d.actor_ids == ("B",) and d.position_sd.tolist() == [5.0] and d.status_quo == 20


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"actors": [Actor(id="A", name="A", capability=1)] * 2}, "two actors have the id 'A'"),
        (
            {
                "stances": [
                    Stance(actor="Z", issue="x", position=1, salience=1),
                    Stance(actor="B", issue="y", position=1, salience=1),
                ]
            },
            "unknown actor 'Z'",
        ),
        ({"stances": [Stance(actor="A", issue="q", position=1, salience=1)]}, "unknown issue 'q'"),
        (
            {
                "stances": [
                    Stance(actor="A", issue="x", position=1, salience=1),
                    Stance(actor="A", issue="x", position=2, salience=1),
                    Stance(actor="A", issue="y", position=2, salience=1),
                ]
            },
            "second stance",
        ),
        ({"stances": [Stance(actor="A", issue="x", position=1, salience=1)]}, "issue 'y' has no stances"),
        (
            {
                "stances": [
                    Stance(
                        actor="A",
                        issue="x",
                        position=1,
                        salience=1,
                        basis="sourced",
                        source="nope",
                        quote="q",
                    ),
                    Stance(actor="A", issue="y", position=1, salience=1),
                ]
            },
            "unknown source 'nope'",
        ),
    ],
)
def test_cross_checks_reject_inconsistent_scenarios(changes, message):
    with pytest.raises(ValidationError, match=message):
        base(**changes)


def test_sourced_stance_needs_source_and_quote():
    with pytest.raises(ValidationError, match="needs 'source'"):
        Stance(actor="A", issue="x", position=1, salience=1, basis="sourced")


@pytest.mark.parametrize("kwargs", [{"sd": 1, "low": 0, "high": 2}, {}, {"low": 3}, {"low": 5, "high": 4}])
def test_uncertainty_is_either_sd_or_a_range(kwargs):
    with pytest.raises(ValidationError):
        Uncertainty(**kwargs)


def test_uniform_range_standard_deviation():
    assert Uncertainty(low=0, high=12).standard_deviation() == pytest.approx(12 / 12**0.5)


def test_units_convert_both_ways():
    u = Units(unit="years", at_0=4, at_100=10)
    assert u.to_natural(80.55) == pytest.approx(8.833)
    assert u.from_natural(8.833) == 80.55
    with pytest.raises(ValidationError):
        Units(at_0=1, at_100=1)


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -1, 100.5, "50", True, None])
def test_positions_must_be_finite_numbers_in_range(bad):
    with pytest.raises(ValidationError):
        Stance(actor="A", issue="x", position=bad, salience=1)


def test_text_rejects_control_characters_but_keeps_newlines():
    assert Actor(id="A", name="line\nbreak", capability=1).name == "line\nbreak"
    with pytest.raises(ValidationError, match="control character"):
        Actor(id="A", name="bell\x07", capability=1)


def test_ids_are_short_slugs():
    with pytest.raises(ValidationError):
        Actor(id="has space", name="x", capability=1)
    with pytest.raises(ValidationError):
        Actor(id="-lead", name="x", capability=1)


def test_scenario_is_immutable_and_copies_do_not_share_cached_lookups():
    s = base()
    with pytest.raises(ValidationError):
        s.name = "other"  # type: ignore[misc]
    s.issue_data("x")  # fills the cache
    moved = s.model_copy(
        update={"stances": tuple(st.model_copy(update={"position": 55.0}) for st in s.stances)}
    )
    assert moved.issue_data("x").positions.tolist() == [55.0, 55.0]
    assert s.issue_data("x").positions.tolist() == [10.0, 90.0]


def test_without_actors_drops_their_stances():
    s = base().without_actors(["A"])
    assert s.actor_ids == ("B",) and all(st.actor == "B" for st in s.stances)
