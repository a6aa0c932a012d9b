"""``detente serve``: the web workbench (edit a scenario in the browser, see the forecasts change).

The application is :func:`detente.web.create_app`; this command checks the options, prints the URL
and runs it with uvicorn. It binds to loopback (127.0.0.1) by default; binding to any other address
needs a token (``--token`` or ``DETENTE_TOKEN``), which every request must then carry.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Annotated

import typer

from detente.commands._common import ScenarioArg, SeedOpt, console, err_console, load
from detente.errors import InputError, ParameterError

__all__ = ["LOOPBACK_HOSTS", "check_bind", "is_loopback", "serve"]

LOOPBACK_HOSTS = ["127.0.0.1", "localhost"]
"""Host names a request to a loopback-bound workbench may give (others are refused: DNS rebinding)."""


def is_loopback(host: str) -> bool:
    """Whether ``host`` is a loopback address (127.0.0.0/8, ::1) or ``localhost``."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(host: str, token: str | None) -> None:
    """Refuse to bind beyond loopback without a token (one-line :class:`InputError`)."""
    if not is_loopback(host) and not token:
        raise InputError(
            f"binding to {host} would let other machines use the workbench, so a token is required",
            where="--host",
            fix="give --token TOKEN (or set DETENTE_TOKEN), or leave --host at 127.0.0.1",
        )
    if token is not None and len(token) < 8:
        import secrets

        raise ParameterError(
            "the token is shorter than 8 characters",
            where="--token",
            fix=f"use a long random token, e.g. {secrets.token_urlsafe(16)}",
        )


def _check_port(host: str, port: int) -> None:
    import socket  # here: every other command imports this module

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host.strip("[]"), port))
        except OSError as exc:
            raise InputError(
                f"cannot listen on {host}:{port} ({exc.strerror or exc})",
                where="--port",
                fix="choose another port with --port N, or stop the program that uses it",
            ) from None


def serve(
    scenario: ScenarioArg = None,
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port to listen on.")] = 8765,
    host: Annotated[
        str, typer.Option("--host", help="Address to bind; beyond loopback, --token is required.")
    ] = "127.0.0.1",
    token: Annotated[
        str | None,
        typer.Option(
            "--token",
            envvar="DETENTE_TOKEN",
            help="Token every request must carry (header Authorization: Bearer, or ?token= once).",
            show_envvar=True,
        ),
    ] = None,
    workspace: Annotated[
        Path,
        typer.Option(
            "--workspace", help="Folder for the store and the reports; the only one files come from."
        ),
    ] = Path("detente-workbench"),
    store: Annotated[
        str | None,
        typer.Option("--store", help="Store: SQLite path or database URL; default WORKSPACE/workbench.db."),
    ] = None,
    ledger: Annotated[
        str, typer.Option("--ledger", help="Forecast ledger shown in the ledger view (path or URL).")
    ] = "detente-ledger.db",
    seed: SeedOpt = 0,
) -> None:
    """Open the web workbench: edit positions, saliences and capabilities and see the forecasts change.

    Prints the URL to open. Fast models re-run on every edit; the road map, deals, the Monte Carlo
    model and the full report are queued with progress. Ctrl-C stops the server.
    """
    import uvicorn

    from detente.web import create_app

    check_bind(host, token)
    load(scenario)  # a bad scenario argument fails here, in one line, before anything starts
    _check_port(host, port)
    app = create_app(
        workspace,
        scenario,
        store,
        token,
        ledger=ledger,
        seed=seed,
        allowed_hosts=LOOPBACK_HOSTS if is_loopback(host) and ":" not in host else None,
    )
    shown = f"[{host.strip('[]')}]" if ":" in host else host
    url = f"http://{shown}:{port}/" + (f"?token={token}" if token else "")
    console.print(f"detente workbench: open {url}", markup=False, soft_wrap=True)
    err_console.print(
        f"workspace {workspace.resolve()}; Ctrl-C stops the server", markup=False, soft_wrap=True
    )
    uvicorn.run(app, host=host.strip("[]"), port=port, log_level="warning")
