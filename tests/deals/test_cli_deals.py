"""``detente deal`` and ``detente coalition`` on the command line."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from detente.cli import app

runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, list(args), catch_exceptions=False)


def test_deal_on_the_default_scenario_writes_json(tmp_path):
    out = tmp_path / "deal.json"
    r = invoke("deal", "--json", str(out))
    assert r.exit_code == 0, r.output
    assert "Big bargain" in r.stdout and "Who gains" in r.stdout
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["package"]["id"] == "big-bargain"
    vetoes = {a["actor"] for a in data["verdict"]["actors"] if a["gain"] < 0}
    assert set(data["verdict"]["vetoes"]) == vetoes
    assert data["amendment"]["feasible"] and data["nash"]["status"] == "solved"
    # Never overwrite without --force.
    r = invoke("deal", "--json", str(out))
    assert r.exit_code == 2 and "already exists" in r.output
    assert invoke("deal", "--package", "double-freeze", "--json", str(out), "--force").exit_code == 0
    assert json.loads(out.read_text(encoding="utf-8"))["package"]["id"] == "double-freeze"


def test_deal_with_a_package_file_on_another_scenario(tmp_path, ktab3):
    pkg = tmp_path / "p.yaml"
    pkg.write_text(
        "packages:\n  - {id: p, name: P, positions: {Pstn1: 50, Pstn2: 50, Pstn3: 50}}\n", encoding="utf-8"
    )
    scen = tmp_path / "s.yaml"
    from detente.scenario import Issue
    from detente.scenario.io import save_scenario

    issues = [Issue(id=i.id, name=i.name, status_quo=40.0) for i in ktab3.issues]
    save_scenario(ktab3.model_copy(update={"issues": tuple(issues)}), scen)
    r = invoke("deal", str(scen), "--package", str(pkg))
    assert r.exit_code == 0, r.output


def test_deal_errors_are_one_line_with_exit_code_2(tmp_path):
    r = invoke("deal", "--package", "nonesuch")
    assert r.exit_code == 2 and r.output.count("\n") == 1 and "error:" in r.output
    r = invoke("deal", "ktab-3dim")  # no shipped package: the exchange model in rounds instead (issue 18)
    assert r.exit_code == 0 and "no package to judge" in r.output
    r = invoke("deal", "--norm", "l3")
    assert r.exit_code == 2 and "--norm" in r.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("packages:\n  - {id: p, name: P, positions: {nuclear: 500}}\n", encoding="utf-8")
    r = invoke("deal", "--package", str(bad))
    assert r.exit_code == 2 and str(bad) in r.output and "0 to 100" in r.output


def test_coalition_on_the_default_scenario(tmp_path):
    out = tmp_path / "c.json"
    r = invoke("coalition", "--target", "nuclear=0", "--align", "Russia,China", "--json", str(out))
    assert r.exit_code == 0, r.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["shapley"]["exact"] and len(data["best_coalitions"]) == 5
    assert data["alignments"][0]["actors"] == ["Russia", "China"]
    r = invoke("coalition", "--target", "nuclear")
    assert r.exit_code == 2 and "ISSUE=VALUE" in r.output
    r = invoke("coalition", "--model", "nope")
    assert r.exit_code == 2 and "no model" in r.output
    r = invoke("coalition", "--align", "Mars")
    assert r.exit_code == 2 and "no actor 'Mars'" in r.output
