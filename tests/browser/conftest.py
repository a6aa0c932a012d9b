"""Browser fixtures: the real default Korean report, opened in Debian's Chromium through Playwright.

The report is made once per test session (once per xdist worker, guarded by a file lock so that
workers share one build) by running ``detente run`` as a subprocess, exactly as a user would.

Without Playwright or Chromium the tests are skipped, unless ``DETENTE_REQUIRE_BROWSER`` is set (CI
sets it): then they fail, so that a CI machine without a browser cannot pass silently.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("DETENTE_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).parent / "artifacts"


def _missing() -> str:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[dev]')"
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        return f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    return ""


@contextmanager
def headless_chromium() -> Iterator[object]:
    """A headless Debian Chromium through Playwright, or a skip (a failure when DETENTE_REQUIRE_BROWSER
    is set, as in CI). Opened once per test process by the ``browser`` fixture of tests/conftest.py,
    which the report's and the workbench's browser tests share."""
    why = _missing()
    if why:
        if os.environ.get("DETENTE_REQUIRE_BROWSER"):
            pytest.fail(f"browser tests required but {why}")
        pytest.skip(why)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            yield b
        finally:
            b.close()


@pytest.fixture(scope="session")
def korea_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``report.html`` of a plain ``detente run`` (the embedded Korean scenario, every model)."""
    base = tmp_path_factory.getbasetemp()
    shared = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "detente-browser-report"
    shared.mkdir(exist_ok=True)
    report = shared / "out" / "report.html"
    with open(shared / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not report.exists():
            subprocess.run(
                [sys.executable, "-m", "detente", "run", "--out", str(shared / "out")],
                cwd=shared,
                check=True,
                capture_output=True,
                text=True,
            )
    return report


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Folder for screenshots (git-ignored); its path is printed by the tests that write to it."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
