"""The embedded Korean peninsula scenarios: complete, dated, sourced, and true to what they cite.

``korea-2017-11`` ... ``korea-2026-11`` are the same case at six dates; ``korea`` is (for now) a copy of
``korea-2017-11``. A sourced stance quotes an essay (only one written by the version's as-of date) or the
``event`` cell of a timeline row dated on or before it, and its note says which words give the number.
"""

from __future__ import annotations

import csv
import re
from importlib.resources import files
from pathlib import Path

import pytest
from typer.testing import CliRunner

from detente.cli import app
from detente.models import ALL_MODELS
from detente.scenarios import DEFAULT_SCENARIO, embedded_scenarios, list_scenarios, load_scenario

SEEDS = Path(__file__).parents[1] / "data" / "seeds"
SCENARIO_DIR = Path(__file__).parents[2] / "src" / "detente" / "scenarios"
KOREA_DATA = Path(str(files("detente").joinpath("data", "korea")))
TIMELINE_FILE = "korea_diplomatic_timeline.csv"
TIMELINE = KOREA_DATA / "diplomatic_timeline" / TIMELINE_FILE

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
VERSIONS = [f"korea-{d}" for d in ("2017-11", "2018-06", "2019-03", "2022-06", "2024-07", "2026-11")]

# When each essay was written, to the month, as tests/data/seeds/README.md records it (002 and 003 give no
# date: the latest events they report are of late November 2017). An essay may be cited only by versions
# dated in or after its month.
ESSAY_MONTH = {
    "000_af8a6551648406d7.txt": "2017-11",
    "001_0a30d1bb6d9986fd.txt": "2019-05",
    "002_93f444c9dbe852bb.txt": "2017-11",
    "003_ae6208fb85fb0a0b.txt": "2017-11",
    "004_2da3b365485c3854.txt": "2015-06",
}

# A quoted stance's note starts: 'words of the quote' -> position N: how the words give N.
NOTE_RE = re.compile(r"^'(.+?)' -> position (\d+(?:\.\d+)?)\b")


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


ESSAYS = {name: _normalise((SEEDS / name).read_text(encoding="utf-8")) for name in ESSAY_MONTH}
with TIMELINE.open(encoding="utf-8", newline="") as _f:
    TIMELINE_ROWS = list(csv.DictReader(_f))
TIMELINE_ROWS_BY_DATE = {r["date"]: r["event"] for r in TIMELINE_ROWS if r["date"] != "2017-07-04"}


def _files(scenario) -> dict[str, str]:
    return {x.id: x.file for x in scenario.sources}


# --- the default scenario and its dated twin (the checks the scenario has always had) -------------------


@pytest.fixture(scope="module", params=["korea-2017-11"])
def korea(request):
    return load_scenario(request.param)


@pytest.fixture(scope="module", params=VERSIONS)
def version(request):
    return load_scenario(request.param)


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


def test_sources_are_the_seed_essays_written_by_november_2017_and_the_timeline(korea):
    essays = sorted(f for f in _files(korea).values() if f in ESSAY_MONTH)
    assert essays == sorted(f for f, month in ESSAY_MONTH.items() if month <= "2017-11")
    assert "001_0a30d1bb6d9986fd.txt" not in essays  # May 2019: after the essays' case
    assert TIMELINE_FILE in _files(korea).values()


def test_every_quote_occurs_word_for_word_in_the_essay_it_cites(korea):
    files_ = _files(korea)
    sourced = [st for st in korea.stances if st.basis == "sourced"]
    assert len(sourced) >= 25, "about half the stances of the essays' case rest on a quotation"
    for st in sourced:
        assert files_[st.source] in ESSAYS, f"{st.actor}/{st.issue}: the essays' case cites the essays"
        assert _normalise(st.quote) in ESSAYS[files_[st.source]], f"{st.actor}/{st.issue}: {st.quote[:50]}"


def test_the_audit_dropped_the_quotations_that_did_not_support_their_numbers(korea):
    def stance(a, i):
        return korea.stance(a, i)

    # Japan/peace_mechanism rested on a sentence about Russia-Japan relations
    assert stance("Japan", "peace_mechanism").basis == "estimate"
    for a, i in [("DPRK", "guarantees"), ("ROK", "sanctions"), ("ROK", "projects"), ("China", "troops")]:
        assert stance(a, i).basis == "estimate", (a, i)
    assert "complicated but trust-based" not in " ".join(st.quote for st in korea.stances)


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


@pytest.mark.parametrize("name", VERSIONS)
def test_validate_reports_no_warnings(name):
    path = SCENARIO_DIR / f"{name}.yaml"
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    assert "ok:" in result.output and "warning" not in result.output


@pytest.mark.parametrize("model", [m.name for m in ALL_MODELS])
def test_every_model_forecasts_every_korean_issue(korea, model):
    from detente.models import get_model

    f = get_model(model).forecast(korea, seed=0)
    assert set(f.positions()) == ISSUES
    assert all(0.0 <= v <= 100.0 for v in f.positions().values())


def test_korea_names_the_newest_version():
    assert load_scenario("korea") == load_scenario(VERSIONS[-1])
    assert max(load_scenario(v).as_of for v in VERSIONS) == load_scenario("korea").as_of == "2026-11"


# --- the dated versions -----------------------------------------------------------------------------


def test_the_versions_are_registered_after_korea_in_date_order():
    names = list_scenarios()
    assert names[0] == "korea"
    assert names[1:7] == VERSIONS
    summaries = {e.name: e.summary for e in embedded_scenarios()}
    for name in VERSIONS:
        assert name.removeprefix("korea-") in summaries[name], name
        assert load_scenario(name).as_of == name.removeprefix("korea-")


def test_version_is_dated_named_and_has_a_horizon(version):
    assert re.fullmatch(r"\d{4}-\d{2}", version.as_of)
    assert version.name == f"Korean peninsula crisis (as of {version.as_of})"
    assert len(version.horizon.split()) >= 4
    assert len(version.description.split()) >= 50


def test_version_keeps_the_actors_issues_and_scales_of_2017_11(version):
    base = load_scenario("korea-2017-11")
    assert version.actor_ids == base.actor_ids
    assert version.issue_ids == base.issue_ids
    assert [a.group for a in version.actors] == [a.group for a in base.actors]
    for issue, old in zip(version.issues, base.issues, strict=True):
        assert (issue.name, issue.meaning_0, issue.meaning_100) == (old.name, old.meaning_0, old.meaning_100)
    pairs = {(st.actor, st.issue) for st in version.stances}
    assert pairs == {(a, i) for a in ACTORS for i in ISSUES}


def test_every_status_quo_is_dated(version):
    for issue in version.issues:
        assert issue.status_quo is not None, issue.id
        assert f"Status quo as of {version.as_of}: {issue.status_quo:g}," in issue.description, issue.id


def test_the_dprk_alone_holds_the_nuclear_issue(version):
    assert version.issue("nuclear").veto_players == ("DPRK",)
    assert "Veto player" in version.issue("nuclear").description
    for issue in version.issues:  # any other veto must say why in the issue's description
        assert not issue.veto_players or "veto player" in issue.description.lower(), issue.id


def test_sources_exist_and_no_essay_is_cited_before_it_was_written(version):
    data_files = {p.name for p in KOREA_DATA.rglob("*") if p.is_file()}
    for source in version.sources:
        assert source.file, f"{source.id}: every source is a file"
        if source.file in ESSAY_MONTH:
            assert ESSAY_MONTH[source.file] <= version.as_of, f"{source.id} postdates {version.as_of}"
            assert source.date.startswith(ESSAY_MONTH[source.file]), source.id
        else:
            assert source.file in data_files, f"{source.id}: {source.file} is not in src/detente/data/korea"


def _timeline_rows(event: str, as_of: str) -> list[dict[str, str]]:
    return [r for r in TIMELINE_ROWS if r["event"] == event and r["date"][:7] <= as_of]


def test_every_quote_is_an_essays_words_or_a_timeline_event_of_its_date(version):
    files_ = _files(version)
    for st in version.stances:
        if st.basis != "sourced":
            continue
        where = f"{version.as_of} {st.actor}/{st.issue}"
        file = files_[st.source]
        if file in ESSAY_MONTH:
            assert _normalise(st.quote) in ESSAYS[file], f"{where}: {st.quote[:50]}"
        else:
            assert file == TIMELINE_FILE, f"{where}: a sourced stance cites an essay or the timeline"
            rows = _timeline_rows(st.quote, version.as_of)
            assert rows, f"{where}: no timeline row dated by {version.as_of} has the event {st.quote[:50]!r}"
            assert any(r["date"] in st.note for r in rows), f"{where}: the note names the row's date"


def test_every_quoted_number_is_explained_by_words_of_its_quote(version):
    for st in version.stances:
        if not st.quote:
            continue
        where = f"{version.as_of} {st.actor}/{st.issue}"
        m = NOTE_RE.match(st.note)
        assert m, f"{where}: the note starts with 'words' -> position N"
        assert _normalise(m.group(1)) in _normalise(st.quote), f"{where}: {m.group(1)!r} is not in the quote"
        assert float(m.group(2)) == st.position, f"{where}: the note explains {m.group(2)}, not {st.position}"
        assert len(st.note[m.end() :].split()) >= 5, f"{where}: the note says how the words give the number"


def test_every_estimate_has_a_rationale_and_no_quote(version):
    for st in version.estimates():
        where = f"{version.as_of} {st.actor}/{st.issue}"
        assert len(st.note.split()) >= 8, f"{where} gives no rationale"
        assert not st.quote and not st.source and not st.reported_by, where


def test_readings_of_other_states_positions_say_whose_they_are(version):
    """The essays are Russian analysts' (seed002 perhaps a Chinese scholar's): what they say of any other
    state's position, and everything seed002 says, is someone's reading of it."""
    files_ = _files(version)
    for st in version.stances:
        essay = files_.get(st.source, "") if st.basis == "sourced" else ""
        if essay in ESSAY_MONTH and (st.actor != "Russia" or essay.startswith("002_")):
            assert st.reported_by.strip(), f"{version.as_of} {st.actor}/{st.issue} needs reported_by"


def test_every_capability_is_an_explained_estimate(version):
    for actor in version.actors:
        assert "estimate" in actor.description, actor.id


def test_the_versions_follow_the_events():
    """Spot checks of what changed between the dates (each fails if a version is left as the essays' case)."""
    v = {name: load_scenario(name) for name in VERSIONS}

    def pos(name, actor, issue):
        return v[name].stance(actor, issue).position

    def sq(name, issue):
        return v[name].issue(issue).status_quo

    # exercises suspended in 2018-2019, restored by 2024
    assert sq("korea-2018-06", "exercises") < sq("korea-2017-11", "exercises")
    assert sq("korea-2017-11", "exercises") < sq("korea-2024-07", "exercises")
    assert pos("korea-2019-03", "USA", "exercises") < 20 < pos("korea-2024-07", "USA", "exercises")
    # the DPRK's moratorium (2018-2019) and its end
    assert pos("korea-2018-06", "DPRK", "nuclear") < pos("korea-2017-11", "DPRK", "nuclear")
    assert pos("korea-2022-06", "DPRK", "nuclear") == 100
    # Russia: neutral Korea in the essays, the DPRK's ally after June 2024
    assert pos("korea-2017-11", "Russia", "alignment") == 50 < pos("korea-2024-07", "Russia", "alignment")
    assert pos("korea-2024-07", "Russia", "sanctions") < pos("korea-2017-11", "Russia", "sanctions")
    assert v["korea-2024-07"].stance("Russia", "alignment").quote == TIMELINE_ROWS_BY_DATE["2024-06-19"]
    # no essay of May 2019 before May 2019
    for name in ("korea-2017-11", "korea-2018-06", "korea-2019-03"):
        assert "001_0a30d1bb6d9986fd.txt" not in _files(v[name]).values(), name


def test_judgements_after_the_data_end_are_estimates():
    """The timeline ends in 2024 (missile tests go to April 2026): in korea-2026-11 a stance is sourced only
    if it cites a timeline row of the last months of the data."""
    now = load_scenario("korea-2026-11")
    assert "estimate" in now.description and "2024" in now.description
    sourced = [st for st in now.stances if st.basis == "sourced"]
    assert len(now.estimates()) >= 50
    for st in sourced:
        assert st.source == "timeline" and _timeline_rows(st.quote, "2026-11")[0]["date"] >= "2024-10"


# --- every version runs through the commands --------------------------------------------------------

runner = CliRunner()


@pytest.mark.slow
@pytest.mark.parametrize("name", VERSIONS)
def test_version_runs_through_detente_run(name, tmp_path):
    out = tmp_path / "report"
    r = runner.invoke(app, ["run", name, "--model", "compromise", "--model", "median", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert (out / "report.html").is_file()
    assert f"as of {name.removeprefix('korea-')}" in r.output


@pytest.mark.slow
@pytest.mark.parametrize("name", VERSIONS)
def test_version_runs_through_detente_deal(name):
    r = runner.invoke(app, ["deal", name])
    assert r.exit_code == 0, r.output
    assert "big-bargain" in r.output  # the shipped packages fit every version (same ids)


@pytest.mark.slow
@pytest.mark.parametrize("name", VERSIONS)
def test_version_runs_through_detente_coalition(name):
    r = runner.invoke(app, ["coalition", name])
    assert r.exit_code == 0, r.output
    assert "DPRK" in r.output and "Shapley" in r.output


@pytest.mark.slow
@pytest.mark.parametrize("name", VERSIONS)
def test_version_runs_through_detente_roadmap(name):
    r = runner.invoke(app, ["roadmap", name, "--runs", "20", "--parameter-draws", "0", "--seed", "1"])
    assert r.exit_code == 0, r.output
    assert "engagement" in r.output and "pressure" in r.output
