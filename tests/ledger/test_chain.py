"""The hash chain: issuing seals every field; verify names edited, deleted and reordered records."""

from __future__ import annotations

import datetime as dt
import itertools
import json

import pytest
from sqlalchemy import text

from detente import __version__
from detente.errors import ParameterError
from detente.ledger.issue import resolution, scenario_hash
from detente.ledger.records import GENESIS, canonical_json, seal, sha256_text
from detente.scenarios import load_scenario


def _raw(store, sql, **params):
    with store.engine.begin() as conn:
        conn.execute(text(sql), params)


def test_forecast_records_carry_every_field(small_ledger):
    records = small_ledger.records()
    assert [r.seq for r in records] == [1, 2, 3]
    assert records[0].prev_hash == GENESIS
    c = records[0].content
    assert c["issued"] == dt.date.today().isoformat()
    assert c["as_of"] == "2018-06" and c["data_as_of"] == "2018-06"
    assert c["scenario"]["sha256"] == scenario_hash(load_scenario("korea-2018-06"))
    assert c["detente_version"] == __version__
    assert c["model"] == {
        "method": "roadmap",
        "event": "breakdown",
        "policy": "engagement",
        "start_phase": "talks",
    }
    assert c["seed"] == 1 and c["runs"] == 50
    assert 0.005 <= c["forecast"]["probability"] <= 0.995
    assert 0 < c["baselines"]["base_rate"] < 1 and round(c["baselines"]["no_change"], 9) in (0.02, 0.98)
    assert c["baselines"]["window"] == "1993-01 to 2018-06"
    assert c["question"]["window"] == ["2018-07", "2019-12"]
    # the resolve-by date is past: the record is retrospective even without the flag
    assert c["retrospective"] is True
    cont = records[1].content
    assert len(cont["forecast"]["quantiles"]) == 19 and cont["forecast"]["levels"][0] == 0.05
    assert records[2].content["model"]["method"] == "base rate only"
    assert records[2].content["forecast"]["probability"] == records[2].content["baselines"]["base_rate"]


def test_hashes_link_and_seal_the_canonical_body(small_ledger):
    records = small_ledger.records()
    for before, after in itertools.pairwise(records):
        assert after.prev_hash == before.hash
    r = records[1]
    assert sha256_text(r.body) == r.hash
    assert seal(r.seq, r.record_id, r.kind, r.prev_hash, r.content).hash == r.hash
    assert canonical_json({"b": 1, "a": [1.5]}) == '{"a":[1.5],"b":1}'
    report = small_ledger.verify()
    assert report.ok and report.records == 3 and report.head == records[-1].hash


def test_editing_a_record_by_hand_is_named(small_ledger):
    body = small_ledger.records()[1].body
    edited = body.replace('"runs":50', '"runs":5000')
    assert edited != body
    _raw(small_ledger, "UPDATE detente_ledger SET body = :b WHERE seq = 2", b=edited)
    report = small_ledger.verify()
    assert not report.ok
    first = report.problems[0]
    assert (first.seq, first.record_id) == (2, "tests") and "edited" in first.reason


def test_editing_and_rehashing_breaks_the_next_link(small_ledger):
    r = small_ledger.records()[0]
    content = {**r.content, "forecast": {"probability": 0.9, "raw": 0.9}}
    forged = seal(r.seq, r.record_id, r.kind, r.prev_hash, content)
    _raw(
        small_ledger,
        "UPDATE detente_ledger SET body = :b, hash = :h WHERE seq = 1",
        b=forged.body,
        h=forged.hash,
    )
    report = small_ledger.verify()
    assert [(p.seq, p.record_id) for p in report.problems] == [(2, "tests")]
    assert "link" in report.problems[0].reason


def test_deleting_a_record_is_named(small_ledger):
    _raw(small_ledger, "DELETE FROM detente_ledger WHERE seq = 2")
    report = small_ledger.verify()
    assert not report.ok
    assert report.problems[0].seq == 3 and "#2" in report.problems[0].reason
    assert "deleted" in report.problems[0].reason


def test_reordering_records_is_named(small_ledger):
    _raw(small_ledger, "UPDATE detente_ledger SET seq = 99 WHERE seq = 2")
    _raw(small_ledger, "UPDATE detente_ledger SET seq = 2 WHERE seq = 3")
    _raw(small_ledger, "UPDATE detente_ledger SET seq = 3 WHERE seq = 99")
    report = small_ledger.verify()
    assert not report.ok
    assert report.problems[0].seq == 2 and report.problems[0].record_id == "unsc"
    assert "reordered" in report.problems[0].reason and "#3" in report.problems[0].reason


def test_resolving_appends_and_leaves_the_forecast_row_byte_identical(small_ledger):
    def rows():
        with small_ledger.engine.connect() as conn:
            return conn.execute(
                text("SELECT seq, record_id, kind, body, hash FROM detente_ledger ORDER BY seq")
            ).all()

    before = rows()
    f = small_ledger.records()[0]
    content = resolution(
        f.content, f.record_id, f.hash, True, "2019-02-28 timeline: Hanoi ends without agreement"
    )
    small_ledger.append([(f"resolve:{f.record_id}", "resolution", content)])
    after = rows()
    assert after[: len(before)] == before
    assert len(after) == len(before) + 1 and after[-1].kind == "resolution"
    assert json.loads(after[-1].body)["content"]["forecast_hash"] == f.hash
    assert small_ledger.verify().ok


def test_an_early_no_is_refused():
    forecast = {"question": {"resolve_by": "2099-12-31"}, "retrospective": False}
    with pytest.raises(ParameterError, match="only an event that has happened"):
        resolution(forecast, "x", "h", False, "source")
    assert resolution(forecast, "x", "h", True, "it happened")["outcome"] is True


def test_same_seed_same_forecasts(small_file):
    from detente.ledger.issue import issue
    from detente.ledger.questions import load_questions

    book = load_questions(small_file)
    a = [c["forecast"] for _, c in issue(book, runs=50, seed=4)]
    b = [c["forecast"] for _, c in issue(book, runs=50, seed=4)]
    c = [c["forecast"] for _, c in issue(book, runs=50, seed=5)]
    assert a == b
    assert a != c


def test_store_errors_are_one_line_and_mask_the_password():
    from detente.errors import InputError
    from detente.ledger.store import open_ledger

    with pytest.raises(InputError) as info:
        open_ledger("postgresql+psycopg://user:s3cret@127.0.0.1:1/none")
    assert "s3cret" not in info.value.message and "\n" not in info.value.message


def test_issue_forecast_and_deal_mappings():
    from pathlib import Path

    from detente.ledger.issue import issue
    from detente.ledger.questions import load_questions

    out = dict(issue(load_questions(Path(__file__).with_name("other_outputs.yaml")), runs=20, seed=0))
    ex = out["ex"]
    assert ex["model"]["method"] == "forecast:compromise" and len(ex["forecast"]["quantiles"]) == 19
    assert ex["forecast"]["quantiles"] == sorted(ex["forecast"]["quantiles"])
    status_quo = next(i.status_quo for i in load_scenario("korea-2019-03").issues if i.id == "exercises")
    assert ex["baselines"]["no_change"] == [status_quo] * 19
    assert ex["baselines"]["base_rate"][0] == pytest.approx(5.0)
    deal = out["bargain"]
    assert deal["model"]["method"] == "deal" and 0.005 <= deal["forecast"]["probability"] <= 0.995
