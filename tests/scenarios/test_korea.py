"""The embedded Korean peninsula scenario: complete, sourced, and true to the essays it cites."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from detente.cli import app
from detente.models import ALL_MODELS
from detente.scenarios import DEFAULT_SCENARIO, load_scenario

SEEDS = Path(__file__).parents[1] / "data" / "seeds"
ACTORS = {"DPRK", "ROK", "USA", "China", "Russia", "Japan"}
ISSUES = {
    "nuclear",
    "sanctions",
    "exercises",
    "sequencing",
    "guarantees",
    "troops",
    "alignment",
    "projects",
    "peace_mechanism",
}


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture(scope="module")
def korea():
    return load_scenario("korea")


def test_korea_is_the_default():
    assert DEFAULT_SCENARIO == "korea"


def test_every_actor_has_a_stance_on_every_issue(korea):
    assert {a.id for a in korea.actors} == ACTORS
    assert {i.id for i in korea.issues} == ISSUES
    pairs = {(st.actor, st.issue) for st in korea.stances}
    assert pairs == {(a, i) for a in ACTORS for i in ISSUES}


def test_big_four_and_koreas_are_grouped(korea):
    groups = {a.id: a.group for a in korea.actors}
    assert {a for a, g in groups.items() if g == "Big Four"} == {"USA", "China", "Russia", "Japan"}
    assert {a for a, g in groups.items() if g == "Korea"} == {"DPRK", "ROK"}


def test_every_issue_has_a_status_quo_and_both_scale_ends(korea):
    for issue in korea.issues:
        assert issue.status_quo is not None, issue.id
        assert issue.meaning_0 and issue.meaning_100, issue.id


def test_sources_are_the_five_seed_essays(korea):
    files = sorted(x.file for x in korea.sources)
    assert files == sorted(p.name for p in SEEDS.glob("*.txt"))


def test_every_quote_occurs_word_for_word_in_the_essay_it_cites(korea):
    files = {x.id: x.file for x in korea.sources}
    texts = {sid: _normalise((SEEDS / f).read_text(encoding="utf-8")) for sid, f in files.items()}
    sourced = [st for st in korea.stances if st.basis == "sourced"]
    assert len(sourced) >= 27, "at least half the stances rest on a quotation"
    for st in sourced:
        assert _normalise(st.quote) in texts[st.source], f"{st.actor}/{st.issue}: {st.quote[:50]}"


def test_every_estimate_gives_its_rationale(korea):
    for st in korea.estimates():
        assert len(st.note.split()) >= 8, f"{st.actor}/{st.issue} has no rationale"


def test_capabilities_are_explained_as_estimates(korea):
    for actor in korea.actors:
        assert "estimate" in actor.description, actor.id


def test_the_scenario_is_anchored_where_the_essays_put_the_actors(korea):
    """Spot checks that would fail if positions were entered on a reversed scale."""
    pos = {(st.actor, st.issue): st.position for st in korea.stances}
    assert pos["DPRK", "nuclear"] > 90 > 10 > pos["USA", "nuclear"]
    assert pos["USA", "sanctions"] > pos["China", "sanctions"] > pos["Russia", "sanctions"]
    assert pos["Russia", "exercises"] < 10 and pos["China", "exercises"] < 10
    assert pos["Russia", "alignment"] == 50  # the neutral unified Korea of seed000
    assert pos["Russia", "projects"] > 90


def test_validate_reports_no_warnings():
    path = Path(__file__).parents[2] / "src" / "detente" / "scenarios" / "korea.yaml"
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    assert "ok:" in result.output and "warning" not in result.output


@pytest.mark.parametrize("model", [m.name for m in ALL_MODELS])
def test_every_model_forecasts_every_korean_issue(korea, model):
    from detente.models import get_model

    f = get_model(model).forecast(korea, seed=0)
    assert set(f.positions()) == ISSUES
    assert all(0.0 <= v <= 100.0 for v in f.positions().values())
