"""detente whatif and compare: differences equal a direct recomputation; bad --set is one line."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from detente.cli import app
from detente.errors import ParameterError
from detente.models import get_model
from detente.models.whatif import FAST_MODELS, apply_changes, compare_scenarios, parse_change
from detente.scenarios import load_scenario

runner = CliRunner()


def _forecast(name, s):
    f = get_model(name).forecast(s, seed=0)
    return np.array([f.position(i) for i in s.issue_ids])


def test_changes_are_applied_and_nothing_else_changes():
    s = load_scenario("korea")
    t = apply_changes(
        s,
        [
            parse_change("Russia.sanctions.position=50"),
            parse_change("USA.nuclear.salience=10"),
            parse_change("China.capability=5"),
        ],
    )
    assert t.stance("Russia", "sanctions").position == 50
    assert t.stance("USA", "nuclear").salience == 10
    assert t.actor("China").capability == 5
    diff = [(a.actor, a.issue) for a, b in zip(s.stances, t.stances, strict=True) if a != b]
    assert sorted(diff) == [("Russia", "sanctions"), ("USA", "nuclear")]
    assert [a.id for a in s.actors if a != t.actor(a.id)] == ["China"]


def test_whatif_differences_equal_a_direct_recomputation():
    s = load_scenario("korea")
    t = apply_changes(s, [parse_change("Russia.sanctions.position=50"), parse_change("ROK.capability=60")])
    d = compare_scenarios(s, t)
    assert d.models == FAST_MODELS
    for m in FAST_MODELS:
        assert np.array_equal(d.first[m], _forecast(m, s))
        assert np.array_equal(d.second[m], _forecast(m, t))
        assert np.array_equal(d.difference[m], _forecast(m, t) - _forecast(m, s))
    assert any(np.abs(v).max() > 1 for v in d.difference.values())


def test_whatif_command_prints_the_difference_and_json(tmp_path):
    out = tmp_path / "w.json"
    r = runner.invoke(
        app,
        ["whatif", "korea", "--set", "Russia.sanctions.position=50", "-m", "compromise", "--json", str(out)],
    )
    assert r.exit_code == 0, r.output
    s = load_scenario("korea")
    t = apply_changes(s, [parse_change("Russia.sanctions.position=50")])
    expect = _forecast("compromise", t)[1] - _forecast("compromise", s)[1]
    row = next(x for x in r.stdout.splitlines() if x.startswith("│ sanctions"))
    assert f"{expect:+.1f}" in row
    data = json.loads(out.read_text())
    assert data["difference"]["compromise"]["sanctions"] == pytest.approx(expect)
    assert data["changes"] == ["Russia.sanctions.position=50"]


def test_compare_of_a_scenario_with_itself_is_zero_and_dated_versions_name_their_differences():
    r = runner.invoke(app, ["compare", "korea", "korea"])
    assert r.exit_code == 0, r.output
    rows = [x for x in r.stdout.splitlines() if x.startswith("│")]
    assert len(rows) == 9 * len(FAST_MODELS)
    assert all(x.rstrip("│ ").split("│")[-1].strip() == "0.0" for x in rows)
    assert "every shared stance has the same position and salience" in r.stdout
    d = compare_scenarios(load_scenario("korea-2019-03"), load_scenario("korea-2024-07"), ["compromise"])
    assert d.changed_stances > 0
    a, b = load_scenario("korea-2019-03"), load_scenario("korea-2024-07")
    assert np.array_equal(d.difference["compromise"], _forecast("compromise", b) - _forecast("compromise", a))


def test_compare_names_issues_and_actors_only_one_scenario_has():
    s = load_scenario("korea")
    t = s.without_actors(["Japan"])
    t = t.model_copy(
        update={
            "issues": tuple(i for i in t.issues if i.id != "projects"),
            "stances": tuple(x for x in t.stances if x.issue != "projects"),
        }
    )
    d = compare_scenarios(s, t, ["compromise"], labels=("a", "b"))
    assert "projects" not in d.issue_ids and len(d.issue_ids) == 8
    notes = d.notes()
    assert "issues only in a: projects" in notes and "actors only in a: Japan" in notes


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Rusia.sanctions.position=50", "did you mean 'Russia'"),
        ("Russia.sanction.position=50", "there is no issue 'sanction'"),
        ("Russia.sanctions.position=500", "not a number from 0 to 100"),
        ("Russia.sanctions.position=x", "not a number from 0 to 100"),
        ("Russia.sanctions=5", "'sanctions' cannot be set"),
        ("Russia.sanctions.capability=5", "belongs to an actor"),
        ("Russia.position=5", "belongs to a stance"),
        ("Russia.sanctions.salience", "is not a change"),
        ("Russia.capability=-1", "not a number >= 0"),
    ],
)
def test_a_bad_set_is_one_line_naming_it_with_exit_2(text, words):
    r = runner.invoke(app, ["whatif", "korea", "--set", text])
    assert r.exit_code == 2
    lines = [x for x in r.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: --set") and words in lines[0], lines
    assert "Traceback" not in r.output


def test_a_new_stance_needs_position_and_salience():
    korea = load_scenario("korea")
    s = korea.model_copy(
        update={"stances": tuple(x for x in korea.stances if (x.actor, x.issue) != ("Russia", "projects"))}
    )
    with pytest.raises(ParameterError, match="set its salience too"):
        apply_changes(s, [parse_change("Russia.projects.position=40")])
    t = apply_changes(
        s, [parse_change("Russia.projects.position=40"), parse_change("Russia.projects.salience=60")]
    )
    assert t.stance("Russia", "projects").position == 40 and t.stance("Russia", "projects").salience == 60
