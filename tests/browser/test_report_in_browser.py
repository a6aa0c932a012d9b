"""The Korean report in a real browser: first screen, no sideways scrolling, legible text, print, a11y."""

from __future__ import annotations

from pathlib import Path

import pytest

from detente.scenarios import load_scenario

WIDTHS = {"desktop": (1400, 900), "phone": (400, 800)}


def _open(browser, report: Path, width: int, height: int):
    page = browser.new_page(viewport={"width": width, "height": height})
    page.goto(report.as_uri())
    return page


@pytest.mark.parametrize("name", list(WIDTHS))
def test_the_first_screen_answers_with_every_issue_and_the_status_quo(browser, korea_report, artifacts, name):
    width, height = WIDTHS[name]
    page = _open(browser, korea_report, width, height)
    try:
        shot = artifacts / f"korea-{name}-{width}.png"
        page.screenshot(path=str(shot))
        page.screenshot(path=str(artifacts / f"korea-{name}-{width}-full.png"), full_page=True)
        print(f"screenshots: {shot}")
        table = page.locator("table.summary")
        box = table.bounding_box()
        assert box is not None and box["y"] < height, f"summary table starts at {box} ({name})"
        assert page.locator("h2").first.inner_text() == "Most likely outcome on each issue"
        text = table.inner_text()
        for issue in load_scenario("korea").issues:
            assert issue.name in text
            assert issue.meaning_0 in text and issue.meaning_100 in text  # the scale, in the summary
        headers = table.locator("thead").inner_text()
        assert "Status quo" in headers and "Most likely" in headers
        assert "80% calibrated" in table.locator("caption").inner_text()
        # the forecast statement (conditioning and horizon) comes before the table
        lead = page.locator("p.lead").first
        assert "bargain to a settlement" in lead.inner_text()
        assert lead.bounding_box()["y"] < box["y"]
    finally:
        page.close()


@pytest.mark.parametrize("name", list(WIDTHS))
def test_no_horizontal_overflow(browser, korea_report, name):
    width, height = WIDTHS[name]
    page = _open(browser, korea_report, width, height)
    try:
        scroll = page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= width + 1, f"page is {scroll} px wide at {width} px"
        # opening every collapsed section must not make the page overflow either
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        scroll = page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= width + 1, f"page with every section open is {scroll} px wide at {width} px"
    finally:
        page.close()


def test_text_is_legible_at_400_px(browser, korea_report):
    page = _open(browser, korea_report, *WIDTHS["phone"])
    try:
        smallest = page.evaluate(
            """() => Math.min(...[...document.querySelectorAll('#summary *')]
                 .filter(e => [...e.childNodes]
                   .some(n => n.nodeType === 3 && n.textContent.trim()))
                 .map(e => parseFloat(getComputedStyle(e).fontSize)))"""
        )
        assert smallest >= 11, f"summary text as small as {smallest} px"
        # chart text outside collapsed sections, as rendered (SVG scaled to the column)
        heights = page.evaluate(
            """() => [...document.querySelectorAll('svg.chart text')]
                 .filter(t => !t.closest('details:not([open])') && t.textContent.trim())
                 .map(t => t.getBoundingClientRect().height).filter(h => h > 0)"""
        )
        assert heights, "no chart text is visible outside the appendix"
        assert min(heights) >= 9, f"chart text only {min(heights):.1f} px high at 400 px"
    finally:
        page.close()


def test_figures_are_responsive_svg(browser, korea_report):
    page = _open(browser, korea_report, *WIDTHS["desktop"])
    try:
        charts = page.evaluate(
            """() => [...document.querySelectorAll('svg.chart')].map(s => ({
                 viewBox: s.getAttribute('viewBox'), width: s.getAttribute('width'),
                 label: s.getAttribute('aria-label'), inFigure: !!s.closest('.figure')}))"""
        )
        assert len(charts) >= 10
        for c in charts:
            assert c["viewBox"] and c["width"] is None and c["label"] and c["inFigure"], c
        svg = korea_report.read_text()
        assert "#0072B2" in svg  # Okabe-Ito
    finally:
        page.close()


def test_sources_are_numbered_and_stances_link_to_them(browser, korea_report):
    page = _open(browser, korea_report, *WIDTHS["desktop"])
    try:
        ids = page.evaluate("[...document.querySelectorAll('ol.sources > li')].map(li => li.id)")
        scenario = load_scenario("korea")
        assert ids == [f"source-{s.id}" for s in scenario.sources]
        links = page.evaluate(
            "[...document.querySelectorAll('#scenario-stances a[href^=\"#source-\"]')]"
            ".map(a => a.getAttribute('href'))"
        )
        assert links and all(href[1:] in ids for href in links)
        text = page.locator("#scenario-stances").inner_text()
        assert "seed001" not in text  # notes cite authors, not internal ids
    finally:
        page.close()


def test_print_keeps_headings_with_their_content(browser, korea_report, artifacts):
    page = _open(browser, korea_report, *WIDTHS["desktop"])
    try:
        page.emulate_media(media="print")
        rules = page.evaluate(
            """() => ({h2: getComputedStyle(document.querySelector('h2')).breakAfter,
                       figure: getComputedStyle(document.querySelector('.figure')).breakInside,
                       toc: getComputedStyle(document.querySelector('nav.toc')).display})"""
        )
        assert rules == {"h2": "avoid", "figure": "avoid", "toc": "none"}
        pdf = artifacts / "korea-a4.pdf"
        page.pdf(path=str(pdf), format="A4")
        assert pdf.stat().st_size > 10_000
        print(f"PDF: {pdf}")
    finally:
        page.close()


@pytest.mark.parametrize("name", list(WIDTHS))
def test_no_serious_accessibility_violations(browser, korea_report, name):
    from axe_playwright_python.sync_playwright import Axe

    page = _open(browser, korea_report, *WIDTHS[name])
    try:
        result = Axe().run(page)
        bad = [
            f"{v['id']} ({v['impact']}): {v['help']} at {v['nodes'][0]['target']}"
            for v in result.response["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert not bad, "\n".join(bad)
    finally:
        page.close()
