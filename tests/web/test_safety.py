"""Safety: names stay text (XSS), uploads are size-limited, no request reaches files outside the
workspace's reports, a token guards every request, loopback by default, cross-site posts refused."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from detente.commands.serve import LOOPBACK_HOSTS, check_bind, is_loopback
from detente.errors import InputError
from detente.scenario.io import dumps_scenario
from detente.scenarios import load_scenario
from detente.web import create_app
from detente.web.workbench import MAX_UPLOAD_BYTES

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

SCRIPT = "<script>alert(1)</script>"
IMG = '<img src=x onerror="alert(2)">'


def _hostile_scenario() -> str:
    s = load_scenario("ktab-3dim")
    actors = tuple(
        a.model_copy(update={"name": SCRIPT if k == 0 else a.name}) for k, a in enumerate(s.actors)
    )
    issues = tuple(i.model_copy(update={"name": IMG if k == 0 else i.name}) for k, i in enumerate(s.issues))
    return dumps_scenario(
        s.model_copy(update={"name": f"Hostile {SCRIPT}", "actors": actors, "issues": issues}), "yaml"
    )


def test_names_are_escaped_in_every_view(client):
    r = client.post(
        "/api/scenarios", json={"text": _hostile_scenario(), "format": "yaml", "filename": "x.yaml"}
    )
    assert r.status_code == 201, r.text
    sid = r.json()["id"]
    actor = load_scenario("ktab-3dim").actors[0].id
    edit = {
        "actor": actor,
        "field": "capability",
        "value": 3,
        "basis": "estimate",
        "rationale": IMG,
        "author": SCRIPT,
    }
    assert client.post(f"/api/scenarios/{sid}/edits", json=edit).status_code == 201
    pages = [
        f"/s/{sid}",
        *(f"/s/{sid}/view/{v}" for v in ("summary", "diff", "history", "advice")),
        "/scenarios",
    ]
    pages.append(f"/s/{sid}/view/advice?actor={actor}")
    for url in pages:
        text = client.get(url).text
        assert SCRIPT not in text and "<img src=x" not in text, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text, url
    # the page itself runs no inline script, and the policy says so
    page = client.get(f"/s/{sid}")
    assert "script-src 'self'" in page.headers["content-security-policy"]


def test_an_oversized_upload_is_refused_in_one_line(client):
    big = b"name: x\n" + b"#" * (MAX_UPLOAD_BYTES + 10)
    r = client.post("/api/scenarios/upload", files={"file": ("big.yaml", big, "application/yaml")})
    assert r.status_code == 413
    message = r.json()["error"]
    assert "2 MiB limit" in message and "\n" not in message
    r = client.post("/scenarios/upload", files={"file": ("big.yaml", big, "application/yaml")})
    assert r.status_code == 413
    # a body without Content-Length (chunked) is cut off as it streams
    r = client.post(
        "/api/scenarios",
        content=(b"x" * 65536 for _ in range(40)),
        headers={"content-type": "application/json"},
    )
    assert r.status_code == 413 and "limit" in r.json()["error"]
    assert [s["origin"] for s in client.get("/api/scenarios").json()["scenarios"]] == ["embedded:korea"]


@pytest.mark.parametrize(
    "path",
    [
        "/files/../workbench.db",
        "/files/%2e%2e/workbench.db",
        "/files/reports/../workbench.db",
        "/files/reports/%2e%2e/%2e%2e/secret.txt",
        "/files/reports/..%2f..%2fsecret.txt",
        "/files//etc/passwd",
        "/files/%2Fetc%2Fpasswd",
        "/files/reports/%00.html",
        "/files/reports/link/secret.txt",
        "/files/workbench.db",
    ],
)
def test_no_request_reaches_outside_the_reports_folder(client, app, tmp_path, path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    reports = tmp_path / "workspace" / "reports"
    reports.mkdir(exist_ok=True)
    if not (reports / "link").exists():
        (reports / "link").symlink_to(tmp_path)
    r = client.get(path)
    assert r.status_code in (404, 400), (path, r.status_code)
    assert "TOP SECRET" not in r.text and "SQLite format" not in r.text and "root:" not in r.text


def test_a_report_in_the_workspace_is_served(client, tmp_path):
    target = tmp_path / "workspace" / "reports" / "abc" / "report.html"
    target.parent.mkdir(parents=True)
    target.write_text("<p>report</p>")
    r = client.get("/files/reports/abc/report.html")
    assert r.status_code == 200 and r.text == "<p>report</p>"
    assert r.headers["content-disposition"].startswith("attachment")


def test_with_a_token_every_request_must_carry_it(tmp_path: Path):
    app = create_app(tmp_path / "ws", token="a-long-secret-token")
    try:
        with TestClient(app) as c:
            for url in ("/", "/api/scenarios", "/openapi.json", "/static/htmx.min.js"):
                r = c.get(url, follow_redirects=False)
                assert r.status_code == 401, url
            assert "needs its token" in c.get("/api/scenarios").json()["error"]
            assert c.get("/api/scenarios", headers={"Authorization": "Bearer wrong"}).status_code == 401
            ok = c.get("/api/scenarios", headers={"Authorization": "Bearer a-long-secret-token"})
            assert ok.status_code == 200
            # ?token= once sets a cookie that the browser then sends
            r = c.get("/?token=a-long-secret-token")
            assert r.status_code == 200 and "detente_token" in c.cookies
            assert c.get("/api/scenarios").status_code == 200
            c.cookies.clear()
            assert c.get("/api/scenarios").status_code == 401
    finally:
        app.state.workbench.close()


def test_binding_beyond_loopback_needs_a_token():
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5")
    check_bind("127.0.0.1", None)
    check_bind("0.0.0.0", "a-long-secret-token")
    with pytest.raises(InputError, match="a token is required"):
        check_bind("0.0.0.0", None)
    with pytest.raises(InputError, match="shorter than 8"):
        check_bind("0.0.0.0", "short")


def test_serve_refuses_a_public_address_without_a_token_in_one_line(monkeypatch):
    from typer.testing import CliRunner

    from detente.cli import app

    monkeypatch.delenv("DETENTE_TOKEN", raising=False)
    result = CliRunner().invoke(app, ["serve", "--host", "0.0.0.0"])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "a token is required" in lines[0]


def test_cross_site_posts_and_foreign_hosts_are_refused(tmp_path: Path, client, sid):
    edit = {"actor": "DPRK", "issue": "nuclear", "field": "position", "value": 40, "basis": "estimate"}
    r = client.post(
        f"/api/scenarios/{sid}/edits",
        json={**edit, "rationale": "r"},
        headers={"Origin": "https://evil.example"},
    )
    assert r.status_code == 403 and "another site" in r.json()["error"]
    r = client.post(f"/s/{sid}/undo", headers={"Sec-Fetch-Site": "cross-site"})
    assert r.status_code == 403
    app = create_app(tmp_path / "ws2", allowed_hosts=LOOPBACK_HOSTS)
    try:
        with TestClient(app, base_url="http://127.0.0.1:8765") as c:
            assert c.get("/api/scenarios").status_code == 200
            assert c.get("/api/scenarios", headers={"Host": "evil.example"}).status_code == 400
    finally:
        app.state.workbench.close()
