"""Every table fits the terminal: README commands print no line wider than COLUMNS (100 here)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from detente.cli import app
from detente.commands._common import fit_columns, terminal_width
from tests.conftest import PACKAGE_SCENARIOS

runner = CliRunner()

COMMANDS = [
    ["scenarios"],
    ["models"],
    ["show", "korea"],
    ["show", "ec-emissions"],
    ["forecast", "korea", "--model", "compromise"],
    ["forecast", "korea", "--model", "smp"],
    ["deal", "korea"],
    ["coalition", "korea"],
    ["roadmap", "korea", "--runs", "50", "--parameter-draws", "2"],
    ["roadmap", "check", "korea"],
    ["duel", "tft", "grim", "--turns", "20"],
    ["advise", "korea", "--actor", "Russia", "--top", "0"],
    ["whatif", "korea", "--set", "Russia.sanctions.position=50"],
    ["compare", "korea-2019-03", "korea-2024-07"],
]


def _widest(args: list[str], width: int = 100, **kw) -> tuple[int, str]:
    r = runner.invoke(app, args, env={"COLUMNS": str(width)}, **kw)
    assert r.exit_code == 0, (args, r.output)
    lines = r.stdout.splitlines()
    assert lines, args
    widest = max(lines, key=len)
    return len(widest), widest


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a[:2]))
def test_readme_commands_fit_100_columns(args):
    n, line = _widest(args)
    assert n <= 100, line


def test_validate_prints_one_unwrapped_line_for_scripts(monkeypatch):
    """validate's summary is one line by design (scripts read it); with a short path it fits."""
    monkeypatch.chdir(PACKAGE_SCENARIOS / "bdm")
    n, line = _widest(["validate", "scholz_EC_emissions_ExampleActors.csv"])
    assert n <= 100 and line.startswith("ok: ")


@pytest.mark.slow
def test_run_fits_100_and_80_columns(tmp_path):
    for width in (100, 80):
        n, line = _widest(["run", "--out", str(tmp_path / str(width))], width)
        assert n <= width, line


def test_help_of_every_new_command_fits():
    for cmd in ("advise", "whatif", "compare"):
        n, line = _widest([cmd, "-h"])
        assert n <= 100, line


def test_width_is_columns_else_100_off_a_terminal(monkeypatch):
    monkeypatch.setenv("COLUMNS", "72")
    assert terminal_width() == 72
    monkeypatch.delenv("COLUMNS")
    assert terminal_width() == 100  # pytest's stdout is captured, not a terminal


def test_layout_keeps_numbers_whole_and_splits_only_when_needed():
    headers = ["id", "no change (status quo)", "expected-utility-mc"]
    cells = [["peace_mechanism"], ["5.0"], ["45.2 [18.0, 83.4]"]]
    assert fit_columns(headers, cells, 100) == [([0, 1, 2], [15, 22, 19])]
    parts = fit_columns(headers, cells, 40)
    for cols, widths in parts:
        assert sum(widths) + 3 * len(cols) + 1 <= 40 and cols[0] == 0
        assert dict(zip(cols, widths, strict=True)).get(2, 17) >= 17  # the interval is never broken
    assert len(parts) == 2
