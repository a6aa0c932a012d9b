"""Question files: the shipped sets load, and each kind of bad input is one located line."""

from __future__ import annotations

import pytest

from detente.errors import ScenarioError
from detente.ledger.questions import EMBEDDED_QUESTIONS, load_embedded_questions, loads_questions
from tests.ledger.conftest import SMALL


def test_embedded_sets_load_and_retrospective_ones_carry_outcomes():
    retro = load_embedded_questions("korea-retrospective")
    pro = load_embedded_questions("korea-prospective")
    assert retro.retrospective and not pro.retrospective
    assert all(q.outcome is not None and q.outcome_source for q in retro.questions)
    assert all(q.outcome is None for q in pro.questions)
    assert {q.scenario for q in retro.questions} == {
        "korea-2017-11",
        "korea-2018-06",
        "korea-2019-03",
        "korea-2022-06",
        "korea-2024-07",
    }
    assert all(q.resolve_by.year in (2027, 2028) for q in pro.questions)
    assert set(EMBEDDED_QUESTIONS) == {"korea-retrospective", "korea-prospective"}


def test_small_file_parses():
    book = loads_questions(SMALL, source="s.yaml")
    assert [q.id for q in book.questions] == ["talks-break", "tests", "unsc"]
    assert book.questions[1].scale.unit == "months"
    assert book.questions[0].maps_to.method == "roadmap"
    assert book.questions[2].maps_to.method == "base rate only"


BAD = [
    ("kind: binary\n", "kind: maybe\n", "kind"),
    (
        "  resolve_by: 2019-12-31\n  maps_to: {roadmap: {event: breakdown",
        "  resolve_by: soon\n  maps_to: {roadmap: {event: breakdown",
        "resolve_by",
    ),
    ("event: breakdown", "event: collapse", "event"),
    ("  scale: {low: 0, high: 18, unit: months}\n", "", "scale"),
    ("maps_to: {base_rate: {}}", "maps_to: {}", "exactly one"),
    ("id: unsc", "id: tests", "twice"),
    ("  resolution: {criterion: a resolution adopted, source: the timeline}\n", "", "resolution"),
    ("format: detente-ledger-questions/1", "format: detente-replay/1", "format"),
    ("baseline: {series: breakdown}", "baseline: {series: weather}", "series"),
    ("text: Do the talks", "txt: Do the talks", "txt"),
]


@pytest.mark.parametrize(("old", "new", "word"), BAD)
def test_bad_input_is_one_located_line(old, new, word):
    assert old in SMALL
    with pytest.raises(ScenarioError) as info:
        loads_questions(SMALL.replace(old, new, 1), source="q.yaml")
    message = info.value.message
    assert "\n" not in message
    assert message.startswith("q.yaml")
    assert word in message


def test_located_by_line_number():
    with pytest.raises(ScenarioError) as info:
        loads_questions(SMALL.replace("kind: binary\n", "kind: maybe\n", 1), source="q.yaml")
    assert "line 8" in info.value.message


def test_kind_and_output_must_agree():
    text = SMALL.replace("event: test months", "event: test", 1)
    with pytest.raises(ScenarioError, match="make the question binary"):
        loads_questions(text, source="q.yaml")
    text = SMALL.replace("event: breakdown", "event: test months", 1)
    with pytest.raises(ScenarioError, match="make the question continuous"):
        loads_questions(text, source="q.yaml")


def test_outcome_needs_a_source_and_the_right_type():
    text = SMALL.replace(
        "  baseline: {series: breakdown}\n", "  baseline: {series: breakdown}\n  outcome: true\n", 1
    )
    with pytest.raises(ScenarioError, match="outcome_source"):
        loads_questions(text, source="q.yaml")
    text = SMALL.replace(
        "  baseline: {series: breakdown}\n",
        "  baseline: {series: breakdown}\n  outcome: 3\n  outcome_source: x\n",
        1,
    )
    with pytest.raises(ScenarioError, match="true or false"):
        loads_questions(text, source="q.yaml")


def test_not_a_mapping():
    with pytest.raises(ScenarioError, match="must be a mapping"):
        loads_questions("- a\n- b\n", source="q.yaml")
