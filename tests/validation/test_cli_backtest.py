import csv
import itertools
from pathlib import Path

import pytest
from typer.testing import CliRunner

from detente.cli import app

DEV = Path(__file__).parents[2] / "src" / "detente" / "data" / "deu" / "deu_dev.csv"
EC_CSV = (
    Path(__file__).parents[2]
    / "src"
    / "detente"
    / "scenarios"
    / "bdm"
    / "scholz_EC_emissions_ExampleActors.csv"
)
runner = CliRunner()


@pytest.fixture
def small_deu(tmp_path):
    """The first 8 development issues plus one unseen issue (a copy under a new proposal id)."""
    header, *rows = DEV.read_text().splitlines()[:9]
    unseen = rows[0].replace("d00032i1", "d09999i1").replace("d00032", "d09999")
    p = tmp_path / "small.csv"
    p.write_text("\n".join([header, *rows, unseen]) + "\n")
    return p


def test_backtest_deu_writes_forecasts_and_prints_the_table(small_deu, tmp_path):
    out = tmp_path / "f.csv"
    res = runner.invoke(
        app, ["backtest", "deu", str(small_deu), "--model", "best", "--csv", str(out), "--jobs", "1"]
    )
    assert res.exit_code == 0, res.output
    assert "MAE" in res.output and "CRPS" in res.output and "best" in res.output
    rows = list(csv.DictReader(out.open()))
    quantiles = [f"q{5 * k:02d}" for k in range(1, 20)]
    assert list(rows[0]) == ["isnr", "model", "forecast", "lo", "hi", *quantiles, "outcome", "fit"]
    assert {r["model"] for r in rows} == {"best", "compromise"}
    assert len(rows) == 2 * 9
    for r in rows:
        assert 0 <= float(r["lo"]) <= float(r["hi"]) <= 100
        q = [float(r[c]) for c in quantiles]  # every issue, every model: 19 monotone quantiles
        assert all(a <= b for a, b in itertools.pairwise(q)) and q[0] >= 0 and q[-1] <= 100
        if r["model"] == "best":  # the mixture's 80% interval is its q10-q90, its forecast the median
            assert float(r["lo"]) == float(r["q10"]) and float(r["hi"]) == float(r["q90"])
            assert float(r["q10"]) <= float(r["forecast"]) <= float(r["q90"])
    fit = {r["isnr"]: r["fit"] for r in rows}
    assert fit["d09999i1"] == "frozen" and fit["d00032i1"] == "cross-validated"
    # the unseen copy has the same inputs as d00032i1, so the same point forecast
    by = {(r["isnr"], r["model"]): r for r in rows}
    assert by[("d09999i1", "compromise")]["forecast"] == by[("d00032i1", "compromise")]["forecast"]
    again = runner.invoke(app, ["backtest", "deu", str(small_deu), "--model", "best", "--csv", str(out)])
    assert again.exit_code == 2 and "already exists" in again.output and "--force" in again.output


def test_backtest_deu_out_csv_is_the_forecasts_file(small_deu, tmp_path):
    """The issue's own command: --out f.csv writes the same forecasts as --csv f.csv."""
    by_csv, by_out = tmp_path / "a.csv", tmp_path / "b.csv"
    base = ["backtest", "deu", str(small_deu), "--model", "best", "--jobs", "1"]
    assert runner.invoke(app, [*base, "--csv", str(by_csv)]).exit_code == 0
    res = runner.invoke(app, [*base, "--out", str(by_out)])
    assert res.exit_code == 0, res.output
    assert by_out.read_text() == by_csv.read_text()
    assert (
        "q05" in by_out.read_text().splitlines()[0] and not (tmp_path / "b.csv" / "validation.html").exists()
    )
    both = runner.invoke(app, [*base, "--out", str(tmp_path / "c.csv"), "--csv", str(tmp_path / "d.csv")])
    assert both.exit_code == 2 and len(both.output.strip().splitlines()) == 1
    assert "both name" in both.output and not (tmp_path / "c.csv").exists()


def test_backtest_deu_is_the_same_serially_and_in_parallel(small_deu, tmp_path):
    outs = []
    for jobs in ("1", "2"):
        out = tmp_path / f"f{jobs}.csv"
        res = runner.invoke(
            app,
            [
                "backtest",
                "deu",
                str(small_deu),
                "-m",
                "median",
                "--csv",
                str(out),
                "--jobs",
                jobs,
                "--seed",
                "3",
            ],
        )
        assert res.exit_code == 0, res.output
        outs.append(out.read_text())
    assert outs[0] == outs[1]


def test_backtest_deu_report_page(small_deu, tmp_path):
    res = runner.invoke(
        app, ["backtest", "deu", str(small_deu), "-m", "best", "--report", str(tmp_path / "r")]
    )
    assert res.exit_code == 0, res.output
    html = (tmp_path / "r" / "validation.html").read_text()
    assert "Calibration" in html and "<svg" in html and "Error distribution" in html


def test_backtest_deu_bad_input_is_one_line(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("isnr,out\nd1,5\n")
    res = runner.invoke(app, ["backtest", "deu", str(bad)])
    assert res.exit_code == 2
    assert res.output.startswith("error: ") and res.output.count("\n") == 1 and "Traceback" not in res.output
    res = runner.invoke(app, ["backtest", "deu", str(DEV), "--model", "oracle"])
    assert res.exit_code == 2 and "no model called 'oracle'" in res.output


def test_backtest_case_ec_emissions_in_years():
    res = runner.invoke(
        app, ["backtest", "case", str(EC_CSV), "--outcome", "8.833", "-m", "compromise", "-m", "best"]
    )
    assert res.exit_code == 0, res.output
    assert "8.83" in res.output and "best" in res.output
    res = runner.invoke(app, ["backtest", "case", str(EC_CSV), "--outcome", "12"])
    assert res.exit_code == 2 and "outside the issue's scale" in res.output


def test_backtest_case_uses_a_recorded_outcome_and_needs_one():
    res = runner.invoke(app, ["backtest", "case", "ec-emissions", "-m", "median"])
    assert res.exit_code == 0, res.output
    assert "8.83" in res.output
    res = runner.invoke(app, ["backtest", "case", "ktab-3dim"])
    assert res.exit_code == 2 and "records an outcome" in res.output
    res = runner.invoke(app, ["backtest", "case", "ktab-3dim", "--outcome", "50"])
    assert res.exit_code == 2 and "--issue" in res.output


def test_backtest_deu_needs_scored_issues_and_a_known_scheme(tmp_path):
    header, row = DEV.read_text().splitlines()[:2]
    names = header.split(",")
    cells = row.split(",")
    cells[names.index("out")] = ""
    p = tmp_path / "no_outcome.csv"
    p.write_text(header + "\n" + ",".join(cells) + "\n")
    res = runner.invoke(app, ["backtest", "deu", str(p)])
    assert res.exit_code == 2 and "no issue has an outcome" in res.output
    res = runner.invoke(app, ["backtest", "deu", str(DEV), "--capability", "gdp"])
    assert res.exit_code == 2 and "no capability scheme 'gdp'" in res.output


def test_backtest_case_with_an_issue_of_a_multi_issue_scenario():
    res = runner.invoke(app, ["backtest", "case", "ktab-3dim", "--outcome", "50", "--issue", "bogus"])
    assert res.exit_code == 2 and "no issue 'bogus'" in res.output
    res = runner.invoke(
        app, ["backtest", "case", "ktab-3dim", "--outcome", "50", "--issue", "Pstn2", "-m", "median"]
    )
    assert res.exit_code == 0, res.output
    assert "Pstn2" in res.output and "Pstn1" not in res.output
