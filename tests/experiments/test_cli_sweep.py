"""The experiment commands end to end: sweep, status, results, export, sensitivity, discover.

A small copy of the embedded Korean road-map experiment (Sobol, n=4, 10 runs per sample) keeps the
sweeps to a few seconds. One test kills ``detente sweep`` itself with SIGKILL and runs the same
command again.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from importlib.resources import files
from pathlib import Path

import pytest
from typer.testing import CliRunner

from detente.cli import app

runner = CliRunner()


def _small_spec(folder: Path, *, n: int = 4, runs: int = 10) -> Path:
    text = files("detente.scenarios").joinpath("korea_experiment.yaml").read_text(encoding="utf-8")
    text = text.replace("n: 64", f"n: {n}").replace("runs_per_sample: 50", f"runs_per_sample: {runs}")
    text = text.replace(
        "policies: [engagement, pressure, sequencing, coalition]", "policies: [engagement, coalition]"
    )
    path = folder / "small.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sweep")
    spec = _small_spec(folder)
    store = folder / "s.db"
    r = runner.invoke(app, ["sweep", str(spec), "--store", str(store), "--seed", "3"])
    assert r.exit_code == 0, r.output
    return folder, spec, store, r.output


def test_dry_run_says_what_the_sweep_costs(tmp_path):
    spec = _small_spec(tmp_path)
    r = runner.invoke(app, ["sweep", str(spec), "--dry-run"])
    assert r.exit_code == 0, r.output
    # Sobol, 14 inputs, n=4: 4 x 16 = 64 samples, 2 levers -> 128 tasks of 10 runs
    assert "64 samples x 2 levers = 128 tasks" in r.output
    assert "road-map simulations: 1,280" in r.output
    assert not (tmp_path / "detente-experiments.db").exists()


def test_sweep_stores_every_run_once_and_prints_the_means(swept):
    _, _, store, output = swept
    flat = " ".join(output.split())
    assert "mean [5%, 95%]" in flat and "engagement" in flat and "coalition" in flat
    with sqlite3.connect(store) as db:
        n, distinct = db.execute("select count(*), count(distinct run_index) from runs").fetchone()
    assert n == distinct == 128


def test_a_second_sweep_runs_nothing_and_says_so(swept):
    _, spec, store, _ = swept
    r = runner.invoke(app, ["sweep", str(spec), "--store", str(store), "--seed", "3"])
    assert r.exit_code == 0, r.output
    assert "already complete" in r.output and "nothing run again" in r.output


def test_status_lists_the_sweep_with_its_provenance(swept):
    _, _, store, _ = swept
    r = runner.invoke(app, ["sweep", "status", "--store", str(store)], env={"COLUMNS": "160"})
    assert r.exit_code == 0, r.output
    assert "128/128" in r.output and "complete" in r.output


def test_results_json_and_export_agree_with_the_store(swept, tmp_path):
    _, _, store, _ = swept
    out = tmp_path / "r.json"
    r = runner.invoke(app, ["sweep", "results", "--store", str(store), "--json", str(out)])
    assert r.exit_code == 0, r.output
    data = json.loads(out.read_text())
    eng = data["levers"]["policy:engagement"]["roadmap.interim"]
    csv_path = tmp_path / "runs.csv"
    r = runner.invoke(app, ["sweep", "export", "1", str(csv_path), "--store", str(store)])
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader(csv_path.open(encoding="utf-8")))
    assert len(rows) == 128
    values = [float(row["roadmap.interim"]) for row in rows if row["lever"] == "policy:engagement"]
    assert eng["n"] == len(values) == 64
    assert eng["mean"] == pytest.approx(sum(values) / len(values))


def test_sensitivity_ranks_inputs_and_explains_the_lever_ranking(swept, tmp_path):
    _, spec, store, _ = swept
    out = tmp_path / "s.json"
    r = runner.invoke(
        app,
        [
            "sensitivity",
            str(spec),
            "--store",
            str(store),
            "--seed",
            "3",
            "--outcome",
            "roadmap.interim",
            "--out",
            str(tmp_path / "rep"),
            "--json",
            str(out),
        ],
    )
    assert r.exit_code == 0, r.output
    data = json.loads(out.read_text())
    assert data["method"] == "sobol" and data["n_samples"] == 64
    levers = {s["lever"] for s in data["sensitivity"]}
    assert levers <= {"engagement", "coalition"} and levers
    for s in data["sensitivity"]:
        assert len(s["inputs"]) == 14
    (dep,) = data["ranking_dependence"]
    assert (dep["lever_a"], dep["lever_b"], dep["outcome"]) == ("engagement", "coalition", "roadmap.interim")
    assert 0.0 <= dep["share_a_better"] <= 1.0
    html = (tmp_path / "rep" / "report.html").read_text(encoding="utf-8")
    assert "<svg" in html and "roadmap.interim" in html
    # nothing was run again: the analysis reads the stored sweep
    assert "nothing run again" in r.output


def test_discover_finds_boxes_or_says_why_not(swept, tmp_path):
    _, spec, store, _ = swept
    out = tmp_path / "d.json"
    r = runner.invoke(
        app,
        [
            "discover",
            str(spec),
            "--store",
            str(store),
            "--seed",
            "3",
            "--json",
            str(out),
            "--threshold",
            "0.5",
        ],
    )
    assert r.exit_code == 0, r.output
    data = json.loads(out.read_text())
    assert data["threshold"] == 0.5
    flat = " ".join(r.output.split())
    if not data["prim"]:  # nothing to separate: the command must say so
        assert "No outcome separates cases from non-cases" in flat
    for res in data["prim"]:
        assert res["case"].split(" (")[0] in flat  # each search is printed
        assert res["case"].startswith("step ")
        for box in res["boxes"]:
            assert 0.0 < box["coverage"] <= 1.0 and 0.0 < box["density"] <= 1.0
            assert 1 <= len(box["limits"]) <= 14


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["sweep", "statsu"], "Did you mean 'status'"),
        (["sweep", "korea-roadmap", "--backend", "gpu"], "unknown backend 'gpu'"),
        (
            ["sweep", "korea-roadmap", "--workers", "2", "--scheduler", "tcp://127.0.0.1:1"],
            "exclude each other",
        ),
        (["sweep", "export", "1", "out.xlsx"], "end the file name in .csv or .json"),
        (["sweep", "nosuch.yaml"], "nosuch.yaml"),
        (["sensitivity", "korea-roadmap", "--compare", "engagement"], "does not name two levers"),
    ],
)
def test_bad_input_gets_one_line_and_exit_2(args, needle, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = runner.invoke(app, args)
    assert r.exit_code == 2, r.output
    lines = [x for x in r.output.splitlines() if x.strip()]
    assert len(lines) == 1, r.output
    assert needle in lines[0]
    assert not (tmp_path / "detente-experiments.db").exists() or args[1] == "export"


def test_unknown_sweep_id_names_the_ids_there_are(swept):
    _, _, store, _ = swept
    r = runner.invoke(app, ["sweep", "results", "7", "--store", str(store)])
    assert r.exit_code == 2
    assert "there is no sweep 7" in r.output and "use one of: 1" in r.output


@pytest.mark.slow
def test_detente_sweep_killed_with_sigkill_resumes_with_no_loss_and_no_duplicates(tmp_path):
    spec = _small_spec(tmp_path, n=8, runs=20)
    store = tmp_path / "k.db"
    cmd = [sys.executable, "-m", "detente", "sweep", str(spec), "--store", str(store), "--batch-size", "4"]
    proc = subprocess.Popen(cmd, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    stored = 0
    try:
        while time.monotonic() < deadline:
            time.sleep(0.2)
            if store.exists():
                try:
                    with sqlite3.connect(store, timeout=1) as db:
                        stored = db.execute("select count(*) from runs").fetchone()[0]
                except sqlite3.OperationalError:
                    continue
            if stored >= 40:
                break
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert 40 <= stored < 256, stored  # killed mid-sweep
    again = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert "resumed" in again.stderr
    with sqlite3.connect(store) as db:
        rows = db.execute("select run_index, outputs from runs order by run_index").fetchall()
    assert [r[0] for r in rows] == list(range(256))
    # the same outputs as a sweep never interrupted
    clean = tmp_path / "clean.db"
    r = subprocess.run(
        [*cmd[:-4], "--store", str(clean)], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert r.returncode == 0, r.stderr
    with sqlite3.connect(clean) as db:
        expected = db.execute("select run_index, outputs from runs order by run_index").fetchall()
    assert rows == expected
