"""The Korean road map: valid on its scenario, every quote verbatim in its seed, every number sourced."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from detente.process.io import load_embedded_process
from detente.scenarios import load_scenario

SEEDS = Path(__file__).parents[1] / "data" / "seeds"
TIMELINE = (
    Path(__file__).parents[2]
    / "src"
    / "detente"
    / "data"
    / "korea"
    / "diplomatic_timeline"
    / "korea_diplomatic_timeline.csv"
)


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture(scope="module")
def korea_roadmap():
    korea = load_scenario("korea")
    return load_embedded_process("korea", scenario=korea)


def test_three_phases_and_one_lever_per_policy(korea_roadmap):
    assert [ph.id for ph in korea_roadmap.phases] == ["freeze", "talks", "mechanism"]
    assert [ph.milestone for ph in korea_roadmap.phases] == ["", "interim", ""]
    assert [p.id for p in korea_roadmap.policies] == [
        "engagement",
        "coercion",
        "sequencing",
        "pressure",
        "no-guarantees",
        "information",
        "coalition",
        "misperception",
    ]
    base = korea_roadmap.policies[0]
    movers = korea_roadmap.actors()
    levers = {p.id: p.levers(base, movers) for p in korea_roadmap.policies[1:]}
    assert levers["pressure"] == ["sequencing", "enforcement"] and korea_roadmap.policy("pressure").bundle
    assert all(len(v) == 1 for k, v in levers.items() if k != "pressure"), levers
    # every actor that moves decides by payoffs
    assert {base.strategy_for(a).name for a in movers} == {"self-enforcing"}
    kinds = {m.kind for ph in korea_roadmap.phases for m in ph.moves}
    assert {
        "suspend_tests",
        "suspend_exercises",
        "sanctions_relief",
        "dismantle",
        "admit_inspectors",
    } <= kinds
    assert {"guarantee", "economic_project"} <= kinds
    coalition = korea_roadmap.policy("coalition").coalition
    assert coalition is not None and set(coalition.members) == {"Russia", "China", "ROK", "Japan"}


def test_every_quote_occurs_word_for_word_in_the_seed_or_timeline_row_it_cites(korea_roadmap):
    import csv

    files = {s.id: s.file for s in korea_roadmap.sources}
    texts = {
        sid: _normalise((SEEDS / f).read_text(encoding="utf-8"))
        for sid, f in files.items()
        if sid != "timeline"
    }
    events = {_normalise(r["event"]) for r in csv.DictReader(TIMELINE.open(encoding="utf-8"))}
    quoted = 0
    for path, block in korea_roadmap.provenance_blocks():
        if block.quote:
            quoted += 1
            if block.source == "timeline":
                assert _normalise(block.quote) in events, f"{path}: {block.quote[:60]}"
            else:
                assert _normalise(block.quote) in texts[block.source], f"{path}: {block.quote[:60]}"
    assert quoted >= 25


def test_every_block_with_numbers_has_a_quote_or_an_estimate(korea_roadmap):
    for path, block in korea_roadmap.provenance_blocks():
        assert block.has_provenance(), path
        if not block.quote:  # an estimate alone must give a rationale, not a word
            assert len(block.estimate.split()) >= 5, path


def test_sources_are_seed_files_and_the_timeline(korea_roadmap):
    expected = sorted([*(p.name for p in SEEDS.glob("*.txt")), TIMELINE.name])
    assert sorted(s.file for s in korea_roadmap.sources) == expected
