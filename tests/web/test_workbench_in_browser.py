"""The workbench in a real Chromium against a real uvicorn server: load the default scenario, edit a
stance with a source, see the forecast change (in under a second), run the road map as a queued job,
download the report and the scenario. Screenshots go to tests/web/artifacts (git-ignored); with
``DETENTE_WORKBENCH_SCREENSHOTS=DIR`` they are also written to DIR (docs/img uses them)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from detente.scenario.io import loads_scenario
from detente.scenarios import load_scenario

KOREA = load_scenario("korea")
pytestmark = pytest.mark.slow


def _shot(page, artifacts: Path, name: str, *, full: bool = False) -> None:
    page.screenshot(path=str(artifacts / f"{name}.png"), full_page=full)
    extra = os.environ.get("DETENTE_WORKBENCH_SCREENSHOTS")
    if extra:
        Path(extra).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(extra) / f"{name}.png"), full_page=full)
    print(f"screenshot: {artifacts / name}.png")


def test_edit_a_stance_run_the_road_map_and_download_the_report(browser, live_server, artifacts):
    page = browser.new_page(viewport={"width": 1400, "height": 900}, accept_downloads=True)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        # 1. the default: the Korean scenario, its table and the fast models' forecasts
        page.goto(live_server + "/")
        assert page.locator("#scenario-name").inner_text() == KOREA.name
        assert page.locator("#stances tbody tr").count() == len(KOREA.actors)
        _shot(page, artifacts, "workbench-edit")

        # 2. edit DPRK's position on the nuclear issue, citing a new source
        cell = page.locator('button.cell[data-actor="DPRK"][data-issue="nuclear"][data-field="position"]')
        cell.click()
        assert page.locator("#f-actor").input_value() == "DPRK"
        assert page.locator("#f-issue").input_value() == "nuclear"
        assert float(page.locator("#f-value").input_value()) == KOREA.stance("DPRK", "nuclear").position
        forecast = page.locator('#forecast td[data-model="compromise"][data-issue="nuclear"]')
        before = float(forecast.get_attribute("data-value"))
        page.fill("#f-value", "40")
        page.check("#f-sourced")
        page.fill("#f-source", "kcna-2026")
        page.fill("#f-source-title", "KCNA statement, November 2026")
        page.fill("#f-quote", "we will consider a verifiable freeze")
        start = time.perf_counter()
        page.click("#f-submit")
        page.locator("#message.ok").wait_for(timeout=5000)
        elapsed = time.perf_counter() - start
        assert "100 → 40" in page.locator("#message").inner_text()
        after = float(forecast.get_attribute("data-value"))
        print(
            f"edit round trip in the browser: {elapsed * 1000:.0f} ms; compromise {before:.1f} -> {after:.1f}"
        )
        assert elapsed < 1.0, f"the edit took {elapsed:.2f} s"
        assert after < before - 1
        assert forecast.locator(".delta").count() == 1
        assert (
            "changed" in (cell.get_attribute("class") or "")
            or page.locator("button.cell.changed").count() == 1
        )
        page.evaluate("window.scrollTo(0, 0)")
        _shot(page, artifacts, "workbench-edited")

        # an edit without a basis is refused on the page, in one line
        page.locator('button.cell[data-actor="USA"][data-issue="troops"][data-field="salience"]').click()
        page.fill("#f-value", "90")
        page.check("#f-estimate")
        page.fill("#f-rationale", "")
        page.click("#f-submit")
        page.locator("#message.error").wait_for(timeout=5000)
        assert "an estimate needs a rationale" in page.locator("#message").inner_text()

        # 3. the diff against the baseline lists the edit
        page.click("#tab-diff")
        assert "kcna-2026" in page.locator("#diff-changes").inner_text()
        _shot(page, artifacts, "workbench-diff")

        # 4. the road map: queued, with progress, then its sections
        page.click("#tab-roadmap")
        page.click("#run-button")
        run = page.locator("#run-roadmap")
        run.wait_for(timeout=5000)
        assert run.get_attribute("data-status") in ("queued", "running", "done")
        page.locator('#run-roadmap[data-status="done"]').wait_for(timeout=60_000)
        assert page.locator("#roadmap h2").inner_text() == "Road map"
        _shot(page, artifacts, "workbench-roadmap")

        # 5. the full report, queued, then downloaded
        page.click("#tab-report")
        page.click("#run-button")
        page.locator('#run-report[data-status="done"]').wait_for(timeout=120_000)
        with page.expect_download() as info:
            page.click("#download-report")
        report = artifacts / "workbench-report.html"
        info.value.save_as(str(report))
        html = report.read_text(encoding="utf-8")
        assert html.startswith("<!DOCTYPE html>") and "Most likely outcome on each issue" in html
        assert "KCNA statement, November 2026" in html  # the edit's source is in the report's sources
        _shot(page, artifacts, "workbench-report")

        # 6. the scenario as edited, downloaded as YAML
        with page.expect_download() as info:
            page.click("#download-yaml")
        saved = artifacts / "workbench-scenario.yaml"
        info.value.save_as(str(saved))
        back = loads_scenario(saved.read_text(encoding="utf-8"), "yaml")
        assert back.stance("DPRK", "nuclear").position == 40.0
        assert back.stance("DPRK", "nuclear").source == "kcna-2026"
        assert not errors, errors
    finally:
        page.close()
