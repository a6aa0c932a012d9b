"""The command line: exit codes, one-line errors, outputs never overwritten without --force."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from detente import __version__
from detente.cli import app
from tests.conftest import PACKAGE_SCENARIOS

runner = CliRunner()
EC_CSV = str(PACKAGE_SCENARIOS / "bdm" / "scholz_EC_emissions_ExampleActors.csv")
KTAB3 = str(PACKAGE_SCENARIOS / "ktab" / "dummyData_3Dim.csv")


def invoke(*args):
    return runner.invoke(app, list(args), catch_exceptions=False)


def test_version():
    r = invoke("--version")
    assert r.exit_code == 0 and __version__ in r.stdout


def test_scenarios_lists_the_default_first():
    r = invoke("scenarios")
    assert r.exit_code == 0 and "korea (default)" in r.stdout and "ec-emissions" in r.stdout


def test_models_lists_every_model_and_parameters():
    from detente.models import ALL_MODELS

    r = invoke("models")
    assert r.exit_code == 0
    for cls in ALL_MODELS:
        assert cls.name in r.stdout
    assert "utility" in r.stdout  # a parameter of nash


def test_run_prints_forecasts_writes_the_report_and_refuses_to_overwrite(tmp_path):
    out = tmp_path / "rep"
    r = invoke("run", EC_CSV, "--out", str(out), "--model", "compromise", "--model", "median")
    assert r.exit_code == 0, r.output
    assert "compromise" in r.stdout and "7.390" in r.stdout  # years, from the weighted mean
    html = (out / "report.html").read_text()
    assert "<svg" in html and "compromise" in html
    before = (out / "report.html").read_bytes()
    r = invoke("run", EC_CSV, "--out", str(out), "--model", "compromise")
    assert r.exit_code == 2 and "--force" in r.stderr
    assert (out / "report.html").read_bytes() == before
    r = invoke("run", EC_CSV, "--out", str(out), "--model", "compromise", "--force")
    assert r.exit_code == 0


def test_run_on_the_ec_table_reports_the_known_outcome(tmp_path):
    r = invoke("run", "ec-emissions", "--out", str(tmp_path), "--model", "compromise")
    assert r.exit_code == 0
    assert "8.833" in r.stdout and "7.390" in r.stdout


def test_run_on_a_ktab_file_and_json_output(tmp_path):
    r = invoke("run", KTAB3, "--out", str(tmp_path / "r"), "--json", str(tmp_path / "c.json"))
    assert r.exit_code == 0, r.output
    data = json.loads((tmp_path / "c.json").read_text())
    assert data["scenario"] == "DummyData_3Dim"
    assert {f["model"] for f in data["forecasts"]} >= {"compromise", "median", "nash"}


def test_forecast_writes_the_documented_json_shape(tmp_path):
    out = tmp_path / "f.json"
    r = invoke("forecast", KTAB3, "--model", "nash", "--param", "utility=linear", "--json", str(out))
    assert r.exit_code == 0, r.output
    data = json.loads(out.read_text())
    assert data["model"] == "nash" and data["parameters"]["utility"] == "linear"
    assert set(data["forecast"]) == {"Pstn1", "Pstn2", "Pstn3"}
    assert isinstance(data["turns"], list)


@pytest.mark.parametrize(
    "args, parts",
    [
        (["forecast", KTAB3, "--model", "nope"], ["no model called 'nope'", "Fix:"]),
        (["forecast", KTAB3, "--model", "nash", "--param", "utility=cubic"], ["utility", "quadratic"]),
        (["forecast", KTAB3, "--model", "nash", "--param", "bogus=1"], ["no parameter 'bogus'"]),
        (["forecast", KTAB3, "--param", "noequals"], ["NAME=VALUE"]),
        (["show", "no-such-thing"], ["neither an embedded scenario nor a file"]),
        (["validate", "missing.yaml"], ["missing.yaml", "no such file"]),
    ],
)
def test_bad_input_gives_one_line_and_exit_code_2(args, parts):
    r = invoke(*args)
    assert r.exit_code == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert "Traceback" not in r.output
    for part in parts:
        assert part in lines[0]


def test_bad_scenario_file_names_file_line_and_field(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nactors:\n  - {id: A, name: A, capability: -3}\nissues: []\nstances: []\n")
    r = invoke("validate", str(bad))
    assert r.exit_code == 2
    assert str(bad) in r.stderr and "line 3" in r.stderr and "capability" in r.stderr


def test_validate_and_convert_round_trip(tmp_path):
    r = invoke("validate", EC_CSV)
    assert r.exit_code == 0 and "10 actors" in r.stdout
    target = tmp_path / "ec.yaml"
    assert invoke("convert", EC_CSV, str(target)).exit_code == 0
    assert invoke("validate", str(target)).exit_code == 0
    r = invoke("convert", EC_CSV, str(target))
    assert r.exit_code == 2 and "already exists" in r.stderr
    assert invoke("convert", "ec-emissions", str(tmp_path / "ec.json")).exit_code == 0


def test_show_prints_actors_issues_and_stances():
    r = invoke("show", "ec-emissions")
    assert r.exit_code == 0
    assert "United Kingdom" in r.stdout and "Stances" in r.stdout and "Sources" in r.stdout


def test_names_with_markup_are_printed_literally(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text(
        "name: '[bold]x[/bold]'\nactors:\n  - {id: A, name: '[red]A[/red]', capability: 1}\n"
        "issues:\n  - {id: x, name: X}\nstances:\n  - {actor: A, issue: x, position: 1, salience: 1}\n"
    )
    r = invoke("show", str(path))
    assert r.exit_code == 0 and "[red]A[/red]" in r.stdout and "[bold]x[/bold]" in r.stdout


def test_wide_tables_are_never_cropped(capsys, monkeypatch):
    """A table wider than the terminal prints whole within it: numbers intact, headers wrapped at hyphens."""
    from detente.commands._common import print_rows

    monkeypatch.setenv("COLUMNS", "100")
    row = {f"model-with-a-long-name-{k}": f"{k}.5 [{k}.0, {k}.9]" for k in range(8)}
    print_rows([{"id": "nuclear", **row}])
    out = capsys.readouterr().out
    assert max(len(line) for line in out.splitlines()) <= 100
    assert out.count("nuclear") == 2  # split into two parts, each repeating the first column
    for key, value in row.items():
        assert value in out
        assert f"name-{key[-1]}" in out  # the header's last piece, after a hyphen break


VETO_YAML = """\
name: Peninsula
as_of: "2026-11"
horizon: within five years, if talks resume
actors:
  - {id: DPRK, name: DPRK, capability: 4}
  - {id: USA, name: USA, capability: 11}
issues:
  - {id: nuclear, name: Nuclear programme, status_quo: 90, veto_players: [DPRK]}
  - {id: talks, name: Talks}
stances:
  - {actor: DPRK, issue: nuclear, position: 95, salience: 50}
  - {actor: USA, issue: nuclear, position: 20, salience: 50}
  - {actor: DPRK, issue: talks, position: 30, salience: 50}
  - {actor: USA, issue: talks, position: 70, salience: 50}
"""
STATEMENT = (
    "Forecast: the outcome if the parties bargain to a settlement, within five years, if talks resume "
    "(the scenario's horizon; as of 2026-11). No change: the status quo (- where an issue states none)."
)


@pytest.fixture
def veto_file(tmp_path):
    path = tmp_path / "peninsula.yaml"
    path.write_text(VETO_YAML)
    return str(path)


def _prose(stdout: str) -> str:
    """The output with wrapped lines joined (notes wrap at words to the terminal's width)."""
    return " ".join(stdout.split())


def _row(stdout: str, label: str) -> list[str]:
    line = next(x for x in stdout.splitlines() if label in x)
    return [c.strip() for c in line.strip("│┃ ").split("│")]


def test_forecast_states_conditioning_and_shows_the_no_change_baseline(veto_file):
    r = invoke("forecast", veto_file, "--model", "compromise")
    assert r.exit_code == 0, r.output
    assert STATEMENT in _prose(r.stdout)  # whole, wrapped at words to the width
    assert "no change (status quo)" in r.stdout
    assert _row(r.stdout, "Nuclear programme") == ["Nuclear programme", "90.0", "90.0"]  # 40 held at 90
    assert _row(r.stdout, "Talks") == ["Talks", "-", "59.3"]
    assert "The veto players bound the forecast of: compromise on nuclear (40.0 unconstrained)" in _prose(
        r.stdout
    )


def test_forecast_of_an_undated_scenario_says_so():
    r = invoke("forecast", "ktab-3dim", "--model", "compromise")
    assert r.exit_code == 0, r.output
    assert (
        "Forecast: the outcome if the parties bargain to a settlement, horizon not stated (undated). "
        "No change: the status quo, which no issue states."
    ) in _prose(r.stdout)
    header = next(x for x in r.stdout.splitlines() if "issue" in x and "compromise" in x)
    assert "no change (status quo)" in header and header.count("status quo") == 1  # not the old title


def test_forecast_marks_a_model_that_does_not_honour_vetoes(veto_file):
    r = invoke("forecast", veto_file, "--model", "smp")
    assert r.exit_code == 0, r.output
    assert _row(r.stdout, "Nuclear programme")[2].endswith(" *")
    assert not _row(r.stdout, "Talks")[2].endswith("*")
    assert "* smp does not honour the veto players of: nuclear (DPRK)" in r.stdout.splitlines()


def test_run_marks_models_that_do_not_honour_vetoes_and_writes_the_json_context(veto_file, tmp_path):
    out = tmp_path / "c.json"
    r = invoke(
        "run", veto_file, "--out", str(tmp_path / "r"), "-m", "compromise", "-m", "smp", "--json", str(out)
    )
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    assert STATEMENT in _prose(r.stdout)
    assert "* smp does not honour the veto players of: nuclear (DPRK)" in lines
    assert _row(r.stdout, "nuclear")[:3] == ["nuclear", "90.0", "90.0"]
    data = json.loads(out.read_text())
    assert {f["model"] for f in data["forecasts"]} == {"compromise", "smp"}  # the old keys stay
    assert data["scenario"] == "Peninsula" and data["seed"] == 0
    assert data["conditioning"] == "the outcome if the parties bargain to a settlement"
    assert data["horizon"] == "within five years, if talks resume" and data["as_of"] == "2026-11"
    assert data["no_change"] == {"nuclear": 90.0, "talks": None}
    assert data["veto_players"] == {"nuclear": ["DPRK"]}
    assert data["vetoes_not_honoured"] == {"smp": ["nuclear"]}
    veto = data["forecasts"][0]["issues"][0]["details"]["veto"]
    assert veto["players"] == ["DPRK"] and veto["acceptable"] == [90.0, 100.0] and veto["bound"] is True
    assert veto["unconstrained"] == pytest.approx(40.0)
    html = (tmp_path / "r" / "report.html").read_text()
    assert "within five years, if talks resume (the scenario&#39;s horizon; as of 2026-11)" in html
    assert "Track record on EU legislation (DEU data), not on this scenario" in html


def test_forecast_json_has_the_context_keys(veto_file, tmp_path):
    out = tmp_path / "f.json"
    r = invoke("forecast", veto_file, "--model", "smp", "--json", str(out))
    assert r.exit_code == 0, r.output
    data = json.loads(out.read_text())
    old = {"model", "parameters", "seed", "scenario", "status", "turns", "forecast", "intervals", "details"}
    assert old <= set(data)
    assert data["conditioning"] == "the outcome if the parties bargain to a settlement"
    assert data["horizon"] == "within five years, if talks resume" and data["as_of"] == "2026-11"
    assert data["no_change"] == {"nuclear": 90.0, "talks": None}
    assert data["vetoes_not_honoured"] == ["nuclear"]
    r = invoke("forecast", "ec-emissions", "--json", str(tmp_path / "g.json"))
    data = json.loads((tmp_path / "g.json").read_text())
    assert data["horizon"] is None and data["as_of"] is None and data["no_change"] == {"delay": None}
    assert data["vetoes_not_honoured"] == []


def test_models_says_which_models_honour_vetoes():
    from detente.models import ALL_MODELS

    r = invoke("models")
    lines = r.stdout.splitlines()
    for cls in ALL_MODELS:
        start = next(k for k, x in enumerate(lines) if x.startswith(f"{cls.name}:"))
        veto = next(x for x in lines[start:] if x.startswith("  veto players:"))
        expected = "honoured" if cls.tags.honours_vetoes else "not honoured"
        assert veto.startswith(f"  veto players: {expected}"), (cls.name, veto)


def test_forecast_on_a_terminal_counts_rounds_and_prints_the_same_tables(monkeypatch):
    """On a terminal the status line shows each round (the model's on_round callback); off one there
    is no callback. Both print the same forecast."""
    import io

    from rich.console import Console

    import detente.cli as cli
    from detente.commands import _common
    from detente.models.smp import SMP

    seen = []
    original = SMP.forecast

    def spy(self, scenario, seed=0, on_round=None):
        seen.append(on_round is not None)
        return original(self, scenario, seed=seed, on_round=on_round)

    monkeypatch.setattr(SMP, "forecast", spy)
    off = invoke("forecast", KTAB3, "--model", "smp")
    tty = io.StringIO()
    term = Console(file=tty, force_terminal=True, width=100, color_system=None)
    monkeypatch.setattr(cli, "console", term)
    monkeypatch.setattr(_common, "console", term)
    on = invoke("forecast", KTAB3, "--model", "smp")
    assert off.exit_code == 0 and on.exit_code == 0
    assert seen == [False, True]
    assert "round 10 done" in tty.getvalue()  # the status line's last update
    assert "78.6 [78.6, 79.9]" in off.stdout and "78.6 [78.6, 79.9]" in tty.getvalue()


MARKUP_NAME = "[/x] :smile: [bold]Talks"
"""A scenario name that rich would read as markup (an unmatched closing tag) and an emoji code."""


@pytest.mark.parametrize("command", [["forecast", "--model", "smp"], ["show"]])
def test_names_print_as_written_never_as_markup(tmp_path, monkeypatch, command):
    """Names from a file reach the terminal verbatim: no MarkupError, no emoji, no lost brackets."""
    monkeypatch.setenv("COLUMNS", "200")
    lines = Path(KTAB3).read_text(encoding="utf-8").splitlines()
    lines[0] = MARKUP_NAME + lines[0][lines[0].index(",") :]
    lines[2] = "[red]A:thumbs_up:" + lines[2][lines[2].index(",") :]
    path = tmp_path / "markup.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    r = runner.invoke(app, [command[0], str(path), *command[1:]])
    assert r.exit_code == 0, r.output
    assert MARKUP_NAME in r.stdout
    # what rich would make of :thumbs_up: and :smile:
    emoji = {"\N{THUMBS UP SIGN}", "\N{SMILING FACE WITH OPEN MOUTH AND SMILING EYES}"}
    assert not emoji & set(r.stdout)
    if command[0] == "show":
        assert r.stdout.splitlines()[0].rstrip() == MARKUP_NAME  # the heading, not only the tables
        assert "[red]A:thumbs_up:" in r.stdout
