"""Errors raised by detente, all rooted in :class:`DetenteError`.

The hierarchy::

    DetenteError                 anything detente reports on purpose
    ├── InputError               bad input from a user: a file, a field, a parameter (CLI exit code 2)
    │   ├── ScenarioError        a scenario file or object that cannot be read or is inconsistent
    │   ├── ParameterError       a model or command parameter outside its allowed values
    │   └── OutputExistsError    an output file exists and ``--force`` was not given
    └── ModelError               a model cannot produce a forecast for a valid input (degenerate case)

Every error renders as a single line that names where the problem is (file, row or field), what is
wrong, and how to fix it, so the command line can print it without a traceback.
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "DetenteError",
    "InputError",
    "ModelError",
    "OutputExistsError",
    "ParameterError",
    "ScenarioError",
]


class DetenteError(Exception):
    """Base class of every error detente raises on purpose.

    Parameters
    ----------
    problem:
        What is wrong, in one sentence.
    source:
        The file (or other named input) the problem is in, if any.
    where:
        The row, field or parameter, e.g. ``"row 4, column 'salience'"`` or ``"stances[3].position"``.
    fix:
        What the user should do about it.
    """

    exit_code: int = 1

    def __init__(
        self,
        problem: str,
        *,
        source: str | Path | None = None,
        where: str | None = None,
        fix: str | None = None,
    ) -> None:
        self.problem = _one_line(problem)
        self.source = str(source) if source is not None else None
        self.where = _one_line(where) if where else None
        self.fix = _one_line(fix) if fix else None
        super().__init__(self.message)

    @property
    def message(self) -> str:
        """The one-line message: ``source: where: problem; fix``."""
        parts = [p for p in (self.source, self.where) if p]
        head = ": ".join([*parts, self.problem])
        return f"{head}. Fix: {self.fix}" if self.fix else head

    def located(self, source: str | Path) -> DetenteError:
        """Return a copy of this error with ``source`` filled in (if it was not set)."""
        if self.source is not None:
            return self
        return type(self)(self.problem, source=source, where=self.where, fix=self.fix)


class InputError(DetenteError):
    """Bad input from the user; the command line exits with code 2."""

    exit_code = 2


class ScenarioError(InputError):
    """A scenario file or object that cannot be read, or whose parts contradict each other."""


class ParameterError(InputError):
    """A model or command parameter outside its allowed values."""


class OutputExistsError(InputError):
    """An output file already exists and overwriting was not allowed."""


class ModelError(DetenteError):
    """A model cannot produce a forecast for this (valid) input, for example a degenerate case."""

    exit_code = 2


def _one_line(text: str) -> str:
    """Collapse whitespace so that a message always fits on one line."""
    return " ".join(str(text).split())
