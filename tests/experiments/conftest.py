"""Fixtures of the sweep tests: a real PostgreSQL server (started for the session) and store targets.

``postgres_url`` uses ``DETENTE_TEST_POSTGRES_URL`` when it is set. Otherwise it looks for the
PostgreSQL server programs (``initdb``, ``pg_ctl``) on PATH and under ``/usr/lib/postgresql/*/bin``,
initialises a throw-away cluster in a temporary folder, starts it on a free port of 127.0.0.1 with
trust authentication, creates the database ``detente_test`` and stops the server at the end. Every
pytest-xdist worker starts its own server. Without the programs the PostgreSQL tests are skipped,
unless ``DETENTE_REQUIRE_POSTGRES=1`` (as in CI), which makes that a failure.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

DATABASE = "detente_test"


def _find_bin() -> Path | None:
    on_path = shutil.which("initdb")
    if on_path and shutil.which("pg_ctl"):
        return Path(on_path).parent
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: [int(x) if x.isdigit() else 0 for x in Path(p).parts[-3].split(".")],
    )
    for initdb in reversed(found):
        folder = Path(initdb).parent
        if (folder / "pg_ctl").exists():
            return folder
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_postgres(cmd: list[str]) -> list[str]:
    """initdb and postgres refuse to run as root: run them as the postgres user then."""
    if os.geteuid() != 0:
        return cmd
    if shutil.which("runuser"):
        return ["runuser", "-u", "postgres", "--", *cmd]
    return ["su", "postgres", "-s", "/bin/sh", "-c", " ".join(f"'{c}'" for c in cmd)]


def _unavailable(reason: str) -> None:
    if os.environ.get("DETENTE_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"PostgreSQL is required (DETENTE_REQUIRE_POSTGRES=1) but {reason}", pytrace=False)
    pytest.skip(f"no PostgreSQL for the store tests: {reason}; set DETENTE_TEST_POSTGRES_URL or install it")


def _run(cmd: list[str], what: str) -> None:
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{what} failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _reap_stale(bindir: Path) -> None:
    """Stop and remove the servers of earlier sessions that were killed before their teardown.

    Only folders this fixture made (with an ``owner.pid`` file) whose owning pytest process is gone.
    """
    for folder in Path(tempfile.gettempdir()).glob("detente-pg-*"):
        owner = folder / "owner.pid"
        try:
            pid = int(owner.read_text().strip())
        except (OSError, ValueError):
            continue
        if _pid_alive(pid):
            continue
        if (folder / "data" / "postmaster.pid").exists():
            subprocess.run(
                _as_postgres([str(bindir / "pg_ctl"), "-D", str(folder / "data"), "-m", "immediate", "stop"]),
                capture_output=True,
                timeout=60,
                check=False,
            )
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """URL of an empty-to-start PostgreSQL database for this test session (a real server)."""
    given = os.environ.get("DETENTE_TEST_POSTGRES_URL")
    if given:
        yield given
        return
    bindir = _find_bin()
    if bindir is None:
        _unavailable("initdb/pg_ctl were not found on PATH or under /usr/lib/postgresql/*/bin")
    assert bindir is not None
    if os.geteuid() == 0:
        try:
            import pwd

            user = pwd.getpwnam("postgres")
        except KeyError:
            _unavailable("running as root and there is no 'postgres' user to run the server as")
    _reap_stale(bindir)
    root = Path(tempfile.mkdtemp(prefix="detente-pg-"))
    (root / "owner.pid").write_text(str(os.getpid()))
    data = root / "data"
    started = False
    try:
        if os.geteuid() == 0:
            os.chown(root, user.pw_uid, user.pw_gid)
        initdb = [str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust"]
        _run(
            _as_postgres([*initdb, "-E", "UTF8", "--locale=C", "--no-sync"]),
            "initdb",
        )
        for _attempt in range(3):  # a free port may be taken by another xdist worker meanwhile
            port = _free_port()
            options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"
            cmd = [str(bindir / "pg_ctl"), "-D", str(data), "-l", str(root / "server.log"), "-o", options]
            done = subprocess.run(
                _as_postgres([*cmd, "-w", "-t", "60", "start"]),
                capture_output=True,
                text=True,
                timeout=90,
                check=False,
            )
            if done.returncode == 0:
                started = True
                break
            time.sleep(0.2)
        if not started:
            log = (root / "server.log").read_text(errors="replace") if (root / "server.log").exists() else ""
            raise RuntimeError(f"the PostgreSQL server did not start: {log[-2000:]}")
        import psycopg

        with psycopg.connect(
            f"host=127.0.0.1 port={port} user=postgres dbname=postgres", autocommit=True
        ) as c:
            c.execute(f"CREATE DATABASE {DATABASE}")
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/{DATABASE}"
    finally:
        if started:
            with contextlib.suppress(Exception):
                subprocess.run(
                    _as_postgres([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
                    capture_output=True,
                    timeout=60,
                    check=False,
                )
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def fresh_postgres(postgres_url: str) -> Iterator[str]:
    """The session's PostgreSQL database, emptied of detente's tables before the test."""
    import sqlalchemy as sa

    engine = sa.create_engine(postgres_url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE IF EXISTS runs, experiments, detente_meta CASCADE"))
    engine.dispose()
    yield postgres_url


@pytest.fixture(params=["sqlite", "postgresql"])
def store_target(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh store location: an SQLite file path, or the PostgreSQL test database (emptied)."""
    if request.param == "sqlite":
        return str(tmp_path / "results.db")
    return request.getfixturevalue("fresh_postgres")
