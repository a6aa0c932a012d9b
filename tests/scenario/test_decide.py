"""Decide's input format: a valid file loads as Decide defines it; each bad line is a one-line error."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from detente.cli import app
from detente.errors import ScenarioError
from detente.scenario.decide import looks_like_decide, read_decide_text
from detente.scenario.io import load_scenario
from detente.scenarios import load_scenario as load_embedded

GOOD = (
    "#O\tA test case\n#/\tID\tname\n#A\ta\tActor A\n#A\tb\tActor B\n#A\tc\tActor C\n"
    "#P\tx\tIssue X\n#M\tx\t0.5\tlow\n#M\tx\t7\thigh\n#P\ty\tIssue Y\n#M\ty\t0\n#M\ty\t100\n"
    "#D\ta\tx\t0.5\t0.95\t1\n#D\tb\tx\t7\t0.5\t0.6\n#D\tc\tx\t3.75\t0.2\t0.4\n"
    "#D\ta\ty\t10\t0.3\t1\n#D\tb\ty\t90\t0.8\t0.6\n"
)


def test_valid_file_loads_as_decide_defines_it() -> None:
    s = read_decide_text(GOOD, source="case.csv")
    assert s.actor_ids == ("a", "b", "c")
    assert [a.capability for a in s.actors] == [1.0, 0.6, 0.4]
    x = s.issue("x")
    assert x.name == "Issue X" and x.meaning_0 == "low" and x.meaning_100 == "high"
    assert (x.units.at_0, x.units.at_100) == (0.5, 7.0)  # natural scale kept for conversion back
    assert s.stance("c", "x").position == pytest.approx(50.0)  # 3.75 on 0.5..7
    assert s.stance("a", "x").salience == pytest.approx(95.0)  # 0-1 saliences times 100
    assert s.stance("c", "y") is None  # no #D line: no stance
    assert s.description == "A test case"


def test_quoted_fields_and_embedded_cases() -> None:
    text = (
        "'#A'\t'US A'\t'US A'\t''\n'#P'\t'p'\t'p'\n'#M'\t'p'\t0\n'#M'\t'p'\t100\n"
        "'#D'\t'US A'\t'p'\t40.0\t0.5\t0.2\t\n"
    )
    assert looks_like_decide(text)
    s = read_decide_text(text, source="q.csv")
    assert s.actor_ids == ("US_A",) and s.stances[0].position == 40.0
    sample = load_embedded("decide-sample")
    assert (len(sample.actors), len(sample.issues), len(sample.stances)) == (10, 6, 60)
    cop = load_embedded("decide-cop21")
    assert (len(cop.actors), len(cop.issues), len(cop.stances)) == (15, 13, 181)
    cph = load_embedded("decide-copenhagen")
    assert cph.stance("Russia", "Commitments") is None and cph.actor("USA").capability == 0.26


@pytest.mark.parametrize(
    ("line", "where", "words"),
    [
        ("#X\ta\tb", "line 17", "unknown record"),
        ("#D\ta\tx\t1", "line 17", "needs 6 fields"),
        ("#D\tzz\tx\t1\t0.5\t1", "line 17", "no #A line"),
        ("#D\tc\ty\t1\t0.5\t0.4\n#D\tc\tq\t1\t0.5\t0.4", "line 18", "no #P line"),
        ("#D\ta\tx\t1\t0.5\t1", "line 17", "second #D line"),
        ("#D\tc\ty\tabc\t0.5\t0.4", "line 17", "not a number"),
        ("#D\tc\ty\t150\t0.5\t0.4", "line 17", "outside"),
        ("#D\tc\ty\t50\t0.5\t0.9", "line 17", "power"),
        ("#D\tc\ty\t50\t-0.5\t0.4", "line 17", "salience"),
        ("#M\tq\t3", "line 17", "no #P line defines"),
    ],
)
def test_bad_lines_are_one_line_errors(line: str, where: str, words: str) -> None:
    with pytest.raises(ScenarioError) as info:
        read_decide_text(GOOD + line + "\n", source="bad.csv")
    msg = str(info.value)
    assert "\n" not in msg and "bad.csv" in msg and where in msg and words in msg and "Fix:" in msg


def test_validate_and_convert_read_decide_files(tmp_path: Path) -> None:
    src = tmp_path / "case.txt"
    src.write_text(GOOD)
    runner = CliRunner()
    r = runner.invoke(app, ["validate", str(src)])
    assert r.exit_code == 0, r.output
    out = tmp_path / "case.yaml"
    r = runner.invoke(app, ["convert", str(src), str(out)])
    assert r.exit_code == 0, r.output
    back = load_scenario(out)
    assert back.stance("c", "x").position == pytest.approx(50.0)
    bad = tmp_path / "bad.csv"
    bad.write_text(GOOD + "#D\tzz\tx\t1\t0.5\t1\n")
    r = runner.invoke(app, ["validate", str(bad)])
    assert r.exit_code == 2 and "Traceback" not in r.output and "line 17" in r.output
