"""The workbench's JSON API and pages in-process: edits need a basis, errors are one line, diff, history,
undo, YAML round trip, persistence across restarts, queued runs."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from markupsafe import escape

from detente.scenario.io import loads_scenario
from detente.scenarios import load_scenario
from detente.web import create_app

KOREA = load_scenario("korea")
EDIT = {"actor": "DPRK", "issue": "nuclear", "field": "position", "value": 40.0}
ESTIMATE = {**EDIT, "basis": "estimate", "rationale": "a freeze is on the table"}


def _one_line(body: dict) -> str:
    assert set(body) == {"error"}, body
    message = body["error"]
    assert message and "\n" not in message and "Traceback" not in message
    return message


def test_home_opens_the_korean_scenario(client):
    r = client.get("/")
    assert r.status_code == 200 and r.url.path.startswith("/s/")
    assert KOREA.name in r.text
    for actor in KOREA.actors:
        assert str(escape(actor.name)) in r.text
    assert 'id="forecast"' in r.text and 'id="edit-form"' in r.text


def test_an_edit_without_a_basis_is_refused_in_one_line(client, sid):
    url = f"/api/scenarios/{sid}/edits"
    cases = {
        "an estimate needs a rationale": {**EDIT, "basis": "estimate"},
        "a sourced edit needs a source": {**EDIT, "basis": "sourced", "quote": "words"},
        "a sourced edit needs a quote": {
            **EDIT,
            "basis": "sourced",
            "source": KOREA.sources[0].id,
            "quote": " ",
        },
        "the scenario has no source 'new-essay'": {
            **EDIT,
            "basis": "sourced",
            "source": "new-essay",
            "quote": "q",
        },
    }
    for expected, body in cases.items():
        r = client.post(url, json=body)
        assert r.status_code == 400, (expected, r.text)
        assert expected in _one_line(r.json())
    assert client.get(url).json()["edits"] == []  # nothing was recorded


def test_invalid_values_give_the_scenario_formats_one_line_errors(client, sid):
    url = f"/api/scenarios/{sid}/edits"
    r = client.post(url, json={**ESTIMATE, "value": 150})
    assert r.status_code == 400 and "at most 100" in _one_line(r.json())
    r = client.post(url, json={**ESTIMATE, "actor": "Atlantis"})
    assert r.status_code == 400 and "there is no actor 'Atlantis'" in _one_line(r.json())
    r = client.post(url, json={**ESTIMATE, "field": "capability", "issue": "", "value": -1})
    assert r.status_code == 400 and "at least 0" in _one_line(r.json())
    r = client.post(url, json={"actor": "DPRK"})  # fields missing: FastAPI's validation, still one line
    assert r.status_code == 422 and "field required" in _one_line(r.json()).lower()


def test_a_sourced_edit_changes_the_forecast_quickly_and_can_add_a_source(client, sid):
    before = client.get(f"/api/scenarios/{sid}/forecast").json()
    body = {
        **EDIT,
        "basis": "sourced",
        "source": "kcna-2026",
        "source_title": "KCNA statement, November 2026",
        "quote": "we will consider a verifiable freeze",
        "author": "analyst A",
    }
    start = time.perf_counter()
    r = client.post(f"/api/scenarios/{sid}/edits", json=body)
    elapsed = time.perf_counter() - start
    assert r.status_code == 201, r.text
    assert elapsed < 1.0, f"the edit round trip took {elapsed:.2f} s"
    data = r.json()
    assert data["edit"]["old_value"] == 100.0 and data["edit"]["new_value"] == 40.0
    assert data["edit"]["new_source"] == {"id": "kcna-2026", "title": "KCNA statement, November 2026"}
    after = data["forecast"]
    moved = after["forecast"]["compromise"]["nuclear"]
    assert moved < before["forecast"]["compromise"]["nuclear"] - 1
    assert after["baseline"]["compromise"]["nuclear"] == before["forecast"]["compromise"]["nuclear"]
    current = client.get(f"/api/scenarios/{sid}").json()["scenario"]
    stance = next(s for s in current["stances"] if (s["actor"], s["issue"]) == ("DPRK", "nuclear"))
    assert stance["position"] == 40.0 and stance["source"] == "kcna-2026" and stance["basis"] == "sourced"
    assert any(s["id"] == "kcna-2026" for s in current["sources"])


def test_history_diff_and_undo(client, sid):
    url = f"/api/scenarios/{sid}"
    assert client.post(f"{url}/edits", json=ESTIMATE).status_code == 201
    cap = {"actor": "USA", "field": "capability", "value": 50, "basis": "estimate", "rationale": "distracted"}
    assert client.post(f"{url}/edits", json=cap).status_code == 201
    diff = client.get(f"{url}/diff").json()
    got = {(c["actor"], c["field"], c["baseline"], c["current"]) for c in diff["changes"]}
    assert got == {("DPRK", "position", 100.0, 40.0), ("USA", "capability", 100.0, 50.0)}
    assert any(f["issue"] == "nuclear" for f in diff["forecasts"])
    undone = client.post(f"{url}/undo").json()["undone"]
    assert undone["actor"] == "USA" and undone["undone"]
    history = client.get(f"{url}/edits").json()["edits"]
    assert [(e["actor"], bool(e["undone"])) for e in history] == [("DPRK", False), ("USA", True)]
    assert history[0]["rationale"] == "a freeze is on the table" and history[0]["created"]
    assert {c["actor"] for c in client.get(f"{url}/diff").json()["changes"]} == {"DPRK"}
    client.post(f"{url}/undo")
    assert client.get(f"{url}/diff").json() == {"changes": [], "forecasts": []}
    assert client.post(f"{url}/undo").json() == {"undone": None}


def test_the_yaml_download_round_trips(client, sid):
    client.post(f"/api/scenarios/{sid}/edits", json=ESTIMATE)
    r = client.get(f"/s/{sid}/scenario.yaml")
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    back = loads_scenario(r.text, "yaml")
    stance = back.stance("DPRK", "nuclear")
    assert (
        stance.position == 40.0 and stance.basis == "estimate" and stance.note == "a freeze is on the table"
    )
    others = [
        (a, b)
        for a, b in zip(back.stances, KOREA.stances, strict=True)
        if a.actor != "DPRK" or a.issue != "nuclear"
    ]
    assert len(others) == len(KOREA.stances) - 1 and all(a == b for a, b in others)
    assert back.actors == KOREA.actors and back.issues == KOREA.issues and back.sources == KOREA.sources
    assert client.get(f"/api/scenarios/{sid}/scenario.yaml").text == r.text


def test_edits_and_runs_persist_across_a_restart(tmp_path: Path):
    from fastapi.testclient import TestClient

    first = create_app(tmp_path / "ws")
    with TestClient(first) as c:
        sid = first.state.first_scenario
        assert c.post(f"/api/scenarios/{sid}/edits", json=ESTIMATE).status_code == 201
    first.state.workbench.close()
    again = create_app(tmp_path / "ws")
    try:
        assert again.state.first_scenario == sid  # the same baseline is reopened, not copied
        with TestClient(again) as c:
            history = c.get(f"/api/scenarios/{sid}/edits").json()["edits"]
            assert [(e["actor"], e["new_value"]) for e in history] == [("DPRK", 40.0)]
            assert (tmp_path / "ws" / "workbench.db").is_file()
    finally:
        again.state.workbench.close()


@pytest.mark.slow
def test_the_road_map_runs_as_a_queued_job_with_progress(client, sid, app):
    r = client.post(f"/api/scenarios/{sid}/runs", json={"kind": "roadmap"})
    assert r.status_code == 202
    run = r.json()["run"]
    assert run["status"] in ("queued", "running")
    app.state.workbench.jobs.wait(run["id"], timeout=60)
    run = client.get(f"/api/runs/{run['id']}").json()["run"]
    assert run["status"] == "done" and run["progress"] == 1.0, run["error"]
    assert 'id="roadmap"' in run["html"] and "Road map" in run["html"]
    page = client.get(f"/s/{sid}/view/roadmap")
    assert 'data-status="done"' in page.text and 'id="roadmap"' in page.text
    r = client.post(f"/api/scenarios/{sid}/runs", json={"kind": "nonsense"})
    assert r.status_code == 422 and _one_line(r.json())


def test_the_page_form_applies_an_edit_and_shows_errors(client, sid):
    form = {**{k: str(v) for k, v in ESTIMATE.items()}}
    r = client.post(f"/s/{sid}/edit", data=form, headers={"HX-Request": "true"})
    assert r.status_code == 200 and r.text.startswith('<div id="bench"')
    assert "position of DPRK on nuclear 100 → 40" in r.text
    assert 'data-model="compromise" data-issue="nuclear"' in r.text and 'class="delta"' in r.text
    r = client.post(f"/s/{sid}/edit", data={**form, "rationale": ""}, headers={"HX-Request": "true"})
    assert 'class="error" role="alert"' in r.text and "an estimate needs a rationale" in r.text
    r = client.post(f"/s/{sid}/edit", data={**form, "value": "many"})  # a plain form post: the whole page
    assert r.status_code == 400 and "value: Input should be a valid number" in r.text


def test_every_view_renders(client, sid):
    for view in ("summary", "diff", "history", "roadmap", "deals", "mc", "report", "advice", "ledger"):
        r = client.get(f"/s/{sid}/view/{view}")
        assert r.status_code == 200, view
        assert 'aria-current="page"' in r.text
    assert "Most likely outcome on each issue" in client.get(f"/s/{sid}/view/summary").text
    advice = client.get(f"/s/{sid}/view/advice", params={"actor": "Russia"}).text
    assert "Russia" in advice and "<table" in advice
    assert "There is no forecast ledger" in client.get(f"/s/{sid}/view/ledger").text
    r = client.get(f"/s/{sid}/view/nowhere")
    assert r.status_code == 404 and "there is no view &#39;nowhere&#39;" in r.text
    assert client.get("/api/scenarios/999").status_code == 404


def test_upload_a_scenario_file(client, data_dir):
    from detente.scenario.io import dumps_scenario

    text = dumps_scenario(load_scenario("ec-emissions"), "yaml")
    r = client.post("/api/scenarios/upload", files={"file": ("ec.yaml", text.encode(), "application/yaml")})
    assert r.status_code == 201, r.text
    assert r.json()["origin"] == "upload:ec.yaml" and r.json()["name"] == load_scenario("ec-emissions").name
    bad = "name: x\nactors: [}\n"
    r = client.post("/api/scenarios/upload", files={"file": ("bad.yaml", bad.encode(), "application/yaml")})
    assert r.status_code == 400 and _one_line(r.json()).startswith("bad.yaml")
    r = client.post("/api/scenarios/upload", files={"file": ("x.exe", b"MZ", "application/octet-stream")})
    assert r.status_code == 400 and "unknown file type '.exe'" in _one_line(r.json())
    r = client.post("/api/scenarios", json={"embedded": "ktab-3dim"})
    assert r.status_code == 201 and r.json()["origin"] == "embedded:ktab-3dim"
    r = client.post("/api/scenarios", json={"text": "name: [", "format": "yaml"})
    assert r.status_code == 400 and _one_line(r.json())
    names = [s["origin"] for s in client.get("/api/scenarios").json()["scenarios"]]
    assert names[:3] == ["embedded:ktab-3dim", "upload:ec.yaml", "embedded:korea"]
