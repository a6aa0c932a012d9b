"""The Korean report names actors, issues, road-map moves and models; internal ids stay out of its text."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from detente.models import Compromise, ExpectedUtility
from detente.models.compare import compare_models
from detente.process.io import process_for_scenario
from detente.report.deals import deal_sections
from detente.report.forecasts import comparison_sections
from detente.report.html import render_html
from detente.report.roadmap import roadmap_sections
from detente.scenarios import load_scenario


class _Text(HTMLParser):
    """Visible text of an HTML page, by the innermost open element (attributes, styles left out)."""

    def __init__(self) -> None:
        super().__init__()
        self.chunks: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in ("style", "script"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.chunks.append(data.strip())


def visible_text(html: str) -> list[str]:
    """The text chunks a reader sees (element ids and anchors excluded)."""
    parser = _Text()
    parser.feed(html)
    return parser.chunks


def mentions(chunks: list[str], word: str) -> list[str]:
    """Chunks that contain ``word`` as a whole identifier (not part of a longer one)."""
    pattern = re.compile(r"(?<![\w-])" + re.escape(word) + r"(?![\w-])")
    return [c for c in chunks if pattern.search(c)]


@pytest.fixture(scope="module")
def korea():
    return load_scenario("korea")


@pytest.fixture(scope="module")
def analysis_html(korea) -> str:
    sections = roadmap_sections(korea, seed=0) + deal_sections(korea, seed=0)
    return render_html(korea.name, sections)


def test_no_road_map_move_or_phase_id_is_shown_as_text(korea, analysis_html):
    process = process_for_scenario(korea)
    assert process is not None
    ids = {m.id for ph in process.phases for m in ph.moves} | {ph.id for ph in process.phases}
    ids = {i for i in ids if "_" in i}  # ids that are not also plain English words ("freeze", "talks")
    assert {"exercise_halt_rok", "relief_1", "military_agreement_rok"} <= ids
    chunks = visible_text(analysis_html)
    for move_id in sorted(ids):
        assert mentions(chunks, move_id) == [], move_id
    # the failing-steps table names the moves instead
    assert any("ROK suspension of large joint exercises" in c for c in chunks)


def test_the_phases_table_shows_actor_and_issue_names(korea, analysis_html):
    process = process_for_scenario(korea)
    move = next(m for ph in process.phases for m in ph.moves if m.id == "exercise_halt_rok")
    row = re.search(
        r"<tr><td>[^<]*</td><td>" + re.escape(move.name) + r"</td><td>([^<]*)</td>", analysis_html
    )
    assert row is not None
    assert row.group(1) == "Republic of Korea"
    assert "<td>ROK</td>" not in analysis_html and "<td>USA</td>" not in analysis_html
    effects = [e for ph in process.phases for m in ph.moves for e in m.effects]
    assert "troops" in effects and "peace_mechanism" in effects
    chunks = visible_text(analysis_html)
    assert mentions(chunks, "peace_mechanism") == []
    assert any(c.startswith("US forces in Korea ") for c in chunks)  # e.g. "US forces in Korea -25"


def test_deals_and_coalitions_name_actors(korea, analysis_html):
    chunks = visible_text(analysis_html)
    assert "Democratic People's Republic of Korea" in chunks  # a table cell, not "DPRK"
    assert "DPRK" not in chunks and "USA" not in chunks
    assert not any(
        c.startswith("without ") and c.split("without ")[1] in {"DPRK", "USA", "ROK"} for c in chunks
    )


def test_the_appendix_veto_notes_use_names(korea):
    comparison = compare_models(korea, [Compromise(), ExpectedUtility()], seed=0)
    summary, _maps = comparison_sections(korea, comparison)
    chunks = visible_text(str(summary.html))
    note = next(c for c in chunks if "do not honour" in c or "does not honour" in c)
    assert note.startswith("* Expected utility does not honour the veto players of: DPRK nuclear programme (")
    assert "expected-utility" not in note and "nuclear (" not in note
    assert "Democratic People's Republic of Korea" in note
