"""The command line: exit codes, one-line errors, outputs never overwritten without --force."""

from __future__ import annotations

import json

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


def test_wide_tables_are_never_cropped(capsys):
    """A table wider than the terminal prints whole: every header and number appears intact."""
    from detente.commands._common import print_rows

    row = {f"model-with-a-long-name-{k}": f"{k}.5 [{k}.0, {k}.9]" for k in range(8)}
    print_rows([{"id": "nuclear", **row}])
    out = capsys.readouterr().out
    for key, value in row.items():
        assert key in out and value in out
