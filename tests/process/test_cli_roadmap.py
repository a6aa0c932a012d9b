"""``detente roadmap``, ``detente roadmap check`` and ``detente duel`` through the command line."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from detente.cli import app

runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, list(args), catch_exceptions=False)


def test_roadmap_bare_prints_every_policy(tmp_path):
    out = tmp_path / "r.json"
    r = invoke("roadmap", "--runs", "100", "--json", str(out))
    assert r.exit_code == 0, r.output
    for pid in ("engagement", "pressure", "no-guarantees", "misperception", "information", "coalition"):
        assert pid in r.stdout
    data = json.loads(out.read_text())
    assert data["policies"][0]["policy"] == "engagement" and data["runs"] == 100
    # refuses to overwrite without --force, and does with it
    again = invoke("roadmap", "--runs", "100", "--json", str(out))
    assert again.exit_code == 2 and "--force" in again.output
    assert invoke("roadmap", "--runs", "100", "--json", str(out), "--force").exit_code == 0


def test_roadmap_with_scenario_argument_and_policy_selection(tmp_path):
    out = tmp_path / "one.json"
    r = invoke(
        "roadmap", "korea", "--policy", "information", "--runs", "50", "--seed", "3", "--json", str(out)
    )
    assert r.exit_code == 0, r.output
    data = json.loads(out.read_text())
    assert [p["policy"] for p in data["policies"]] == ["information"]
    # the same policy alone or with others gives the same numbers (seeded by policy id)
    both = tmp_path / "two.json"
    invoke(
        "roadmap",
        "korea",
        "-p",
        "pressure",
        "-p",
        "information",
        "-n",
        "50",
        "--seed",
        "3",
        "--json",
        str(both),
    )
    other = json.loads(both.read_text())["policies"][1]
    assert other["outcomes"] == data["policies"][0]["outcomes"]


def test_roadmap_check_subcommand_with_and_without_scenario(tmp_path):
    r = invoke("roadmap", "check")
    assert r.exit_code == 0, r.output
    assert "Self-enforcement" in r.stdout and "Commitment problem" in r.stdout and "schedule" in r.stdout
    out = tmp_path / "c.json"
    r = invoke("roadmap", "check", "korea", "--policy", "no-guarantees", "--json", str(out))
    assert r.exit_code == 0, r.output
    data = json.loads(out.read_text())
    assert data["policy"] == "no-guarantees"
    blocked = [r for r in data["self_enforcement"] if r["blocked"]]
    assert [(r["phase"], r["actor"]) for r in blocked] == [("mechanism", "DPRK")]


def test_roadmap_errors_are_one_line_with_exit_2(tmp_path):
    r = invoke("roadmap", "--policy", "nonsense", "--runs", "10")
    assert r.exit_code == 2 and "nonsense" in r.output and "Traceback" not in r.output
    r = invoke("roadmap", "ec-emissions", "--runs", "10")
    assert r.exit_code == 2 and "--process" in r.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nscenario: korea\n")
    r = invoke("roadmap", "check", "--process", str(bad))
    assert r.exit_code == 2 and "bad.yaml" in r.output and len(r.output.strip().splitlines()) == 1


def test_duel_prints_scores_and_cooperation(tmp_path):
    r = invoke("duel", "tft", "defect", "--turns", "10")
    assert r.exit_code == 0, r.output
    assert "9.00" in r.stdout and "14.00" in r.stdout
    out = tmp_path / "d.json"
    r = invoke("duel", "gtft", "gtft", "--noise", "0.05", "--runs", "50", "--seed", "2", "--json", str(out))
    assert r.exit_code == 0
    data = json.loads(out.read_text())
    assert data["runs"] == 50 and 0.7 < data["cooperation_rates"][0] < 1.0


def test_duel_bad_input_exit_2():
    r = invoke("duel", "tft", "nobody")
    assert r.exit_code == 2 and "nobody" in r.output
    r = invoke("duel", "tft", "tft", "--noise", "2")
    assert r.exit_code == 2 and "noise" in r.output
