"""The one place where a command's outcome becomes an exit code and, on failure, one line on stderr.

:func:`guarded` runs a command and maps what escapes it to an exit code and at most one line:

* success: 0; warnings the command raised are printed after it, one line each;
* :class:`~detente.errors.DetenteError`: its exit code (2 for bad input),
  ``error: FILE: where: problem. Fix: ...``;
* a command-line usage error (click's): 2, ``error: ... Fix: see `detente CMD -h```;
* Ctrl-C or SIGTERM: 130 or 143, ``interrupted`` or ``terminated``;
* a closed output pipe (``detente show | head``): 1 (as click decides), nothing;
* anything else, a bug in detente: 70, ``internal error ...; details saved to PATH``.

A bug never prints a traceback on the terminal: the traceback, the command line, the versions and
any warnings go to a crash file whose path the one line names, so that it can be attached to a
report. Every message is one line whatever the terminal's width.
"""

from __future__ import annotations

import datetime as _dt
import os
import platform
import signal
import sys
import tempfile
import traceback
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["EXIT_BUG", "EXIT_INTERRUPTED", "guarded"]

EXIT_BUG = 70
"""Exit code of an internal error (a bug in detente), as ``EX_SOFTWARE`` in sysexits.h."""

EXIT_INTERRUPTED = 130
"""Exit code after Ctrl-C (128 + SIGINT)."""


def _say(line: str) -> None:
    """Print one line on stderr, unwrapped, never raising (stderr may be closed)."""
    try:
        sys.stderr.write(" ".join(line.split()) + "\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


class _Terminated(BaseException):
    """Raised in the main thread when the process receives SIGTERM, so that clean-up code runs."""


def _on_sigterm(signum: int, frame: Any) -> None:
    raise _Terminated()


def guarded(run: Callable[[], Any], argv: list[str]) -> int:
    """Run ``run`` (a click ``main`` in non-standalone mode); return the process exit code."""
    import typer

    from detente.errors import DetenteError, ModelError, ScenarioError

    previous = None
    try:
        previous = signal.signal(signal.SIGTERM, _on_sigterm)
    except ValueError:  # not the main thread (e.g. a test runner's worker thread)
        previous = None
    from detente.commands._common import INPUT

    INPUT.clear()
    caught: list[warnings.WarningMessage] = []
    try:
        with warnings.catch_warnings(record=True) as caught_now:
            warnings.simplefilter("always")
            warnings.filterwarnings("ignore", category=DeprecationWarning)
            warnings.filterwarnings("ignore", category=PendingDeprecationWarning)
            try:
                result = run()
            finally:
                caught = list(caught_now)
        code = result if isinstance(result, int) else 0
        if code == 0:
            _show_warnings(caught)
        return code
    except DetenteError as exc:
        about_input = isinstance(exc, ModelError | ScenarioError)  # not about an option or an output
        _say(f"error: {exc.located(INPUT[0]).message if INPUT and about_input else exc.message}")
        return exc.exit_code
    except typer.TyperException as exc:  # click's usage errors (unknown option, bad value, ...)
        if type(exc).__name__ == "NoArgsIsHelpError":  # a group called without a command: its help
            exc.show()  # type: ignore[attr-defined]
            return 0
        _say(f"error: {usage_line(exc)}")
        return 2
    except (KeyboardInterrupt, typer.Abort):
        _say("interrupted")
        return EXIT_INTERRUPTED
    except _Terminated:
        _say("terminated")
        return 128 + signal.SIGTERM
    except BrokenPipeError:
        _silence_stdout()
        return 0
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except Exception as exc:
        path = _save_crash(exc, argv, caught)
        where = f"details saved to {path}" if path else "the details could not be saved"
        _say(
            f"internal error (a bug in detente, not a problem with your input): "
            f"{type(exc).__name__}: {_clip(str(exc))}; {where}. "
            "Please report it with that file at the project's issue tracker"
        )
        return EXIT_BUG
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def usage_line(exc: Any) -> str:
    """A click usage error as one line: ``detente run: No such option: --frce. Fix: see `detente run -h```."""
    ctx = getattr(exc, "ctx", None)
    path = ctx.command_path if ctx is not None else "detente"
    message = _clip(exc.format_message(), 300).rstrip(".")
    end = " " if message.endswith("?") else ". "
    return f"{path}: {message}{end}Fix: see `{path} -h` for the arguments and options"


def _clip(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _show_warnings(caught: list[warnings.WarningMessage]) -> None:
    seen: set[str] = set()
    for w in caught:
        text = f"warning: {w.category.__name__}: {_clip(str(w.message), 200)}"
        if text not in seen:
            seen.add(text)
            _say(text)


def _silence_stdout() -> None:
    # Point stdout at /dev/null so that the interpreter's final flush does not fail again.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def _save_crash(exc: BaseException, argv: list[str], caught: list[warnings.WarningMessage]) -> Path | None:
    """Write the traceback and context of an internal error to a file; return its path."""
    from detente import __version__

    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    folder = Path(os.environ.get("DETENTE_CRASH_DIR") or tempfile.gettempdir())
    lines = [
        "detente internal error report",
        f"time: {_dt.datetime.now().isoformat(timespec='seconds')}",
        f"command: detente {' '.join(argv)}",
        f"detente {__version__}, Python {platform.python_version()}, {platform.platform()}",
        f"working directory: {os.getcwd()}",
        "",
        "".join(traceback.format_exception(exc)),
    ]
    if caught:
        lines += ["warnings before the error:"]
        lines += [f"  {w.category.__name__}: {w.message} ({w.filename}:{w.lineno})" for w in caught]
    try:
        fd, name = tempfile.mkstemp(prefix=f"detente-crash-{stamp}-", suffix=".txt", dir=folder)
        with os.fdopen(fd, "w", encoding="utf-8", errors="replace") as fh:
            fh.write("\n".join(lines) + "\n")
    except OSError:
        return None
    return Path(name)
