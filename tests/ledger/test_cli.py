"""``detente ledger`` end to end: the Korean sets, tamper detection, exports, digest, report, errors."""

from __future__ import annotations

import csv
import io
import json
import sqlite3

import pytest
from typer.testing import CliRunner

from detente.cli import app

runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, ["ledger", *args], catch_exceptions=False)


@pytest.fixture(scope="module")
def korea(tmp_path_factory):
    """A ledger with the Korean retrospective set (resolved) and the prospective set (open)."""
    db = tmp_path_factory.mktemp("ledger") / "k.db"
    r = invoke("retrospective", "--store", str(db), "--runs", "200")
    assert r.exit_code == 0, r.output
    r2 = invoke("issue", "korea-prospective", "--store", str(db), "--runs", "200")
    assert r2.exit_code == 0, r2.output
    return db, r.stdout, r2.stdout


def test_retrospective_scores_with_both_baselines(korea):
    _db, out, _ = korea
    assert "Retrospective scores" in out and "base rate" in out and "no change" in out
    assert "in sample" in out and "out of sample" in out
    assert "calibration" in out


def test_prospective_issue_marks_nothing_retrospective(korea, tmp_path):
    db, _, out = korea
    assert "p-nuclear-test-2028" in out and "head hash" in out
    target = tmp_path / "all.json"
    assert invoke("export", str(target), "--store", str(db)).exit_code == 0
    records = json.loads(target.read_text())["records"]
    pro = [r for r in records if r["kind"] == "forecast" and r["record_id"].startswith("p-")]
    retro = [r for r in records if r["kind"] == "forecast" and r["record_id"].startswith("k")]
    assert len(pro) == 7 and not any(r["content"]["retrospective"] for r in pro)
    assert len(retro) == 25 and all(r["content"]["retrospective"] for r in retro)
    assert all(r["content"]["scenario"]["name"].endswith("(as of 2026-11)") for r in pro)


def test_verify_show_score_on_the_korean_ledger(korea):
    db, _, _ = korea
    r = invoke("verify", "--store", str(db))
    assert r.exit_code == 0 and "ledger intact: 57 records" in r.stdout
    r = invoke("show", "--store", str(db))
    assert r.exit_code == 0 and "32 forecasts, 25 resolved" in r.stdout
    r = invoke("show", "k2017-talks-2018", "--store", str(db))
    data = json.loads(r.stdout)
    assert [d["kind"] for d in data] == ["forecast", "resolution"]
    assert data[1]["content"]["outcome"] is True and "Singapore" in data[1]["content"]["source"]
    r = invoke("score", "--store", str(db))
    assert r.exit_code == 0
    assert "prospective: no graded prospective questions yet" in r.stdout
    assert "open forecasts (not yet resolved): 7" in r.stdout


def test_export_csv_digest_report(korea, tmp_path):
    db, _, _ = korea
    out = tmp_path / "l.csv"
    assert invoke("export", str(out), "--store", str(db)).exit_code == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert len(rows) == 57 and rows[0]["seq"] == "1" and rows[0]["kind"] == "forecast"
    assert rows[1]["prev_hash"] == rows[0]["hash"]
    res = [r for r in rows if r["kind"] == "resolution"]
    assert len(res) == 25 and res[0]["forecast_of"] == "k2017-talks-2018" and res[0]["outcome"] == "True"
    again = invoke("export", str(out), "--store", str(db))
    assert again.exit_code == 2 and "--force" in again.output
    r = invoke("digest", "--store", str(db))
    assert r.exit_code == 0
    head = invoke("verify", "--store", str(db)).stdout.split()[-1]
    assert head in r.stdout and "p-icbm-2027" in r.stdout and "k2017-talks-2018" not in r.stdout
    dj = tmp_path / "d.json"
    dm = tmp_path / "d.md"
    assert invoke("digest", "--json", str(dj), "--md", str(dm), "--store", str(db)).exit_code == 0
    assert head in dm.read_text()
    assert (
        json.loads(dj.read_text())["head"] == head and len(json.loads(dj.read_text())["open_forecasts"]) == 7
    )
    rep = tmp_path / "rep"
    assert invoke("report", str(rep), "--store", str(db)).exit_code == 0
    html = (rep / "ledger.html").read_text()
    assert "Track record" in html and "Calibration" in html and "<svg" in html and "k2019-test-2022" in html


def test_hand_edit_makes_verify_fail_and_name_the_record(korea, tmp_path):
    db, _, _ = korea
    copy = tmp_path / "tampered.db"
    copy.write_bytes(db.read_bytes())
    with sqlite3.connect(copy) as conn:
        conn.execute(
            "UPDATE detente_ledger SET body = replace(body, '\"outcome\":false', '\"outcome\":true') "
            "WHERE record_id = 'resolve:k2018-interim-2019'"
        )
    r = invoke("verify", "--store", str(copy))
    assert r.exit_code == 1
    [line] = r.output.strip().splitlines()
    assert "resolve:k2018-interim-2019" in line and "edited" in line and "Traceback" not in r.output


def test_published_head_catches_a_truncated_ledger(korea, tmp_path):
    db, _, _ = korea
    copy = tmp_path / "short.db"
    copy.write_bytes(db.read_bytes())
    head = invoke("verify", "--store", str(db)).stdout.split()[-1]
    with sqlite3.connect(copy) as conn:
        conn.execute("DELETE FROM detente_ledger WHERE seq = (SELECT max(seq) FROM detente_ledger)")
    assert invoke("verify", "--store", str(copy)).exit_code == 0  # internally consistent
    r = invoke("verify", "--store", str(copy), "--head", head)
    assert r.exit_code == 1 and "rewritten or truncated" in r.output


def test_resolve_and_its_errors(korea, tmp_path):
    db, _, _ = korea
    copy = tmp_path / "r.db"
    copy.write_bytes(db.read_bytes())
    s = str(copy)
    r = invoke("resolve", "p-leader-meeting-2028", "--outcome", "yes", "--source", "a summit", "--store", s)
    assert r.exit_code == 0 and "outcome True recorded" in r.stdout
    for args, word in [
        (("p-leader-meeting-2028", "--outcome", "no", "--source", "x"), "--correction"),
        (("p-icbm-2027", "--outcome", "no", "--source", "x"), "only an event that has happened"),
        (("p-icbm-2027", "--outcome", "perhaps", "--source", "x"), "not yes or no"),
        (("p-icbm-2026", "--outcome", "yes", "--source", "x"), "did you mean 'p-icbm-2027'"),
        (("p-test-months-2027", "--outcome", "40", "--source", "x"), "outside the question's scale"),
        (
            ("p-icbm-2027", "--outcome", "yes", "--source", "x", "--resolved", "2027-05-01"),
            "only for retrospective",
        ),
    ]:
        r = invoke("resolve", *args, "--store", s)
        assert r.exit_code == 2, r.output
        assert len(r.output.strip().splitlines()) == 1 and word in r.output
    r = invoke(
        "resolve",
        "p-leader-meeting-2028",
        "--outcome",
        "yes",
        "--source",
        "better source",
        "--store",
        s,
        "--correction",
    )
    assert r.exit_code == 0 and invoke("verify", "--store", s).exit_code == 0


def test_bad_inputs_exit_2_with_one_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("format: detente-ledger-questions/1\nname: x\nquestions: []\n")
    cases = [
        ("issue", str(bad), "--store", str(tmp_path / "a.db")),
        ("issue", "missing.yaml", "--store", str(tmp_path / "a.db")),
        ("score", "--store", str(tmp_path / "none.db")),
        ("verify", "--store", str(tmp_path / "none.db")),
        ("export", str(tmp_path / "x.txt"), "--store", str(tmp_path / "none.db")),
        ("issue", "korea-prospective", "--store", "nodriver://x"),
    ]
    for args in cases:
        r = invoke(*args)
        assert r.exit_code == 2, (args, r.output)
        assert len(r.output.strip().splitlines()) == 1 and "Traceback" not in r.output
    assert not (tmp_path / "none.db").exists()
