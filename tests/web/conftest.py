"""Web workbench fixtures: the application in-process (TestClient) and a real uvicorn server for Playwright.

The browser is Debian's Chromium through Playwright, the session's ``browser`` (tests/conftest.py,
shared with tests/browser: a second Playwright in one process fails): without Playwright or
Chromium the browser tests are skipped, unless ``DETENTE_REQUIRE_BROWSER`` is set (CI sets it), and
then they fail.
"""

from __future__ import annotations

import socket
import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's notice that it prefers httpx2 over httpx
    from fastapi.testclient import TestClient

from detente.web import create_app

ARTIFACTS = Path(__file__).parent / "artifacts"


@pytest.fixture
def app(tmp_path: Path):
    """A workbench on the Korean scenario, its workspace and store in a temporary folder."""
    application = create_app(tmp_path / "workspace", ledger=str(tmp_path / "no-ledger.db"))
    yield application
    application.state.workbench.close()


@pytest.fixture
def client(app) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


@pytest.fixture
def sid(app) -> int:
    """Id of the Korean scenario the workbench opened first."""
    return int(app.state.first_scenario)


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real uvicorn server running the workbench on a free loopback port; yields its base URL."""
    import uvicorn

    from detente.commands.serve import LOOPBACK_HOSTS

    root = tmp_path_factory.mktemp("workbench")
    application = create_app(root / "workspace", allowed_hosts=LOOPBACK_HOSTS, ledger=str(root / "none.db"))
    # The listening socket is bound here and handed to uvicorn, so no other process can take the
    # port between choosing it and serving on it.
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = int(sock.getsockname()[1])
    server = uvicorn.Server(uvicorn.Config(application, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail(f"the workbench server did not start (thread alive: {thread.is_alive()})")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Folder for screenshots and downloads (git-ignored)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
