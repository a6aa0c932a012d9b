"""The workbench's state and operations, shared by the HTML pages and the JSON API.

:class:`Workbench` holds the store, the job queue and small caches, and offers what both front ends
do: open a scenario (embedded or uploaded text), apply and undo edits, compute the fast forecasts,
the diff against the baseline, and queue slow runs. Every error it raises on purpose is a
:class:`~detente.errors.DetenteError` with a one-line message; a missing scenario or run is
:class:`NotFoundError`.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from detente.errors import DetenteError, InputError, ParameterError
from detente.models.compare import Comparison
from detente.scenario import Scenario
from detente.scenario.io import decode_text, dumps_scenario, loads_scenario
from detente.scenarios import list_scenarios, load_scenario
from detente.web.analysis import SLOW_KINDS, SectionCache, fast_forecasts, forecast_grid, slow_job
from detente.web.edits import EditRequest, apply_edit, apply_history, diff_scenarios, state_key
from detente.web.jobs import MAX_QUEUED, JobQueue
from detente.web.store import WorkbenchStore

__all__ = ["MAX_UPLOAD_BYTES", "NotFoundError", "Opened", "Workbench"]

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
"""Largest request body the workbench accepts (an uploaded scenario): 2 MiB."""

UPLOAD_FORMATS = {".yaml": "yaml", ".yml": "yaml", ".json": "json", ".csv": "csv", ".txt": "csv"}


class NotFoundError(DetenteError):
    """A scenario or run id that the store does not hold (HTTP 404)."""


@dataclass(frozen=True)
class Opened:
    """A scenario of the workbench: its row, its baseline, its current state and its history.

    Attributes
    ----------
    id : int
    name : str
    origin : str
        Where it came from: ``embedded:korea`` or ``upload:FILE``.
    baseline : Scenario
        The scenario as opened; the diff compares against it.
    current : Scenario
        The baseline with every edit that is not undone.
    history : list of dict
        Every edit, oldest first (see :meth:`WorkbenchStore.edits`).
    state : str
        Fingerprint of ``current`` (:func:`detente.web.edits.state_key`).
    """

    id: int
    name: str
    origin: str
    baseline: Scenario
    current: Scenario
    history: list[dict[str, Any]]
    state: str


class Workbench:
    """What the workbench does, independent of HTML or JSON.

    Parameters
    ----------
    workspace : Path
        The folder the workbench may write to (reports) and serve files from.
    store : WorkbenchStore
        Scenarios, edits and runs.
    ledger : str
        Path or URL of the forecast ledger shown in the ledger view (from the command line).
    seed : int
        Seed of every random draw.
    max_queued : int
        Most runs waiting in the queue.
    """

    def __init__(
        self,
        workspace: Path,
        store: WorkbenchStore,
        *,
        ledger: str,
        seed: int = 0,
        max_queued: int = MAX_QUEUED,
    ) -> None:
        self.workspace = workspace
        self.store = store
        self.ledger = ledger
        self.seed = seed
        self.jobs = JobQueue(store, max_queued=max_queued)
        self.sections = SectionCache()
        self._scenarios: dict[tuple[int, tuple[tuple[int, str], ...]], tuple[Scenario, Scenario]] = {}
        self._forecasts: dict[str, tuple[Comparison, float]] = {}
        self._lock = threading.Lock()
        self._edit_lock = threading.Lock()

    # --- scenarios --------------------------------------------------------------------------------

    def open_embedded(self, name: str, *, reuse: bool = True) -> int:
        """Open an embedded scenario by name; with ``reuse``, return the newest one with the same baseline."""
        if name not in list_scenarios():
            raise ParameterError(
                f"there is no embedded scenario called {name!r}",
                fix=f"use one of: {', '.join(list_scenarios())}",
            )
        return self.open_scenario(load_scenario(name), f"embedded:{name}", reuse=reuse)

    def open_scenario(self, scenario: Scenario, origin: str, *, reuse: bool = False) -> int:
        """Record a scenario as a new baseline; with ``reuse``, return an existing one with this baseline."""
        text = dumps_scenario(scenario, "yaml")
        if reuse:
            for row in self.store.scenarios():
                if row["origin"] == origin:
                    full = self.store.scenario(row["id"])
                    if full is not None and full["baseline"] == text:
                        return int(row["id"])
                    break
        return self.store.add_scenario(scenario.name, origin, text)

    def open_upload(self, raw: bytes, filename: str) -> int:
        """Open an uploaded scenario file (detente YAML, JSON or CSV; KTAB and BDM tables) as a baseline.

        Only the file name's last part is used, and only as a label and to choose the format; nothing
        is written to disk.
        """
        label = Path(filename.replace("\\", "/")).name[:100] or "upload"
        fmt = UPLOAD_FORMATS.get(Path(label).suffix.lower())
        if fmt is None:
            raise InputError(
                f"unknown file type {Path(label).suffix or '(no suffix)'!r}",
                source=label,
                fix="upload a .yaml, .yml, .json or .csv scenario",
            )
        if len(raw) > MAX_UPLOAD_BYTES:
            raise InputError(
                f"the file is {len(raw) / 2**20:.1f} MiB, "
                f"over the {MAX_UPLOAD_BYTES // 2**20} MiB upload limit",
                source=label,
                fix="split the scenario or remove unneeded content",
            )
        scenario = loads_scenario(decode_text(raw, source=label), fmt, source=label)  # type: ignore[arg-type]
        return self.open_scenario(scenario, f"upload:{label}")

    def get(self, scenario_id: int) -> Opened:
        """The scenario with this id: baseline, current state (edits applied) and history."""
        row = self.store.scenario(scenario_id)
        if row is None:
            raise NotFoundError(
                f"there is no scenario {scenario_id} in the workbench",
                fix="open the scenarios list and choose one",
            )
        history = self.store.edits(scenario_id)
        key = (scenario_id, tuple((e["id"], e["undone"]) for e in history))
        with self._lock:
            cached = self._scenarios.get(key)
        if cached is None:
            baseline = loads_scenario(row["baseline"], "yaml", source=f"workbench scenario {scenario_id}")
            cached = (baseline, apply_history(baseline, history))
            with self._lock:
                self._scenarios[key] = cached
                while len(self._scenarios) > 32:
                    self._scenarios.pop(next(iter(self._scenarios)))
        baseline, current = cached
        return Opened(
            id=scenario_id,
            name=row["name"],
            origin=row["origin"],
            baseline=baseline,
            current=current,
            history=history,
            state=state_key(current),
        )

    # --- edits ------------------------------------------------------------------------------------

    def edit(self, scenario_id: int, request: EditRequest) -> dict[str, Any]:
        """Apply and record one edit; return its history row. Refused edits raise one-line errors."""
        with self._edit_lock:
            opened = self.get(scenario_id)
            edited, old, new_source = apply_edit(opened.current, request)
            row = self.store.add_edit(
                scenario_id,
                author=request.author.strip(),
                actor=request.actor,
                issue=request.issue,
                field=request.field,
                old_value=old,
                new_value=request.value,
                basis=request.basis,
                source=request.source if request.basis == "sourced" else "",
                quote=request.quote.strip() if request.basis == "sourced" else "",
                rationale=request.rationale.strip() if request.basis == "estimate" else "",
                new_source=new_source or "",
            )
            # the new state is known: cache it so the next page does not replay the whole history
            key = (scenario_id, (*((e["id"], e["undone"]) for e in opened.history), (row["id"], "")))
            with self._lock:
                self._scenarios[key] = (opened.baseline, edited)
            return row

    def undo(self, scenario_id: int) -> dict[str, Any] | None:
        """Undo the latest edit that is not undone; return it, or None when there is nothing to undo."""
        self.get(scenario_id)
        with self._edit_lock:
            return self.store.undo_last(scenario_id)

    # --- results ----------------------------------------------------------------------------------

    def forecasts(self, scenario: Scenario) -> tuple[Comparison, float]:
        """The fast models' forecasts of a scenario and the seconds they took (cached by content)."""
        key = state_key(scenario)
        with self._lock:
            found = self._forecasts.get(key)
        if found is not None:
            return found
        start = time.perf_counter()
        comparison = fast_forecasts(scenario, seed=self.seed)
        found = (comparison, time.perf_counter() - start)
        with self._lock:
            self._forecasts[key] = found
            while len(self._forecasts) > 64:
                self._forecasts.pop(next(iter(self._forecasts)))
        return found

    def forecast_data(self, opened: Opened) -> dict[str, Any]:
        """The fast forecasts of the current state and of the baseline, as plain data."""
        current, seconds = self.forecasts(opened.current)
        baseline, _ = self.forecasts(opened.baseline)
        return {
            "scenario": opened.id,
            "state": opened.state,
            "models": [f.model for f in current.forecasts],
            "issues": list(opened.current.issue_ids),
            "forecast": forecast_grid(current),
            "baseline": forecast_grid(baseline),
            "failures": current.failures,
            "seconds": round(seconds, 4),
        }

    def diff(self, opened: Opened) -> dict[str, Any]:
        """Changed numbers against the baseline, and the forecasts that moved (by more than 0.05)."""
        cur = forecast_grid(self.forecasts(opened.current)[0])
        base = forecast_grid(self.forecasts(opened.baseline)[0])
        moved = [
            {"model": m, "issue": i, "baseline": base[m][i], "current": v, "change": v - base[m][i]}
            for m, row in cur.items()
            for i, v in row.items()
            if m in base and i in base[m] and abs(v - base[m][i]) > 0.05
        ]
        return {"changes": diff_scenarios(opened.baseline, opened.current), "forecasts": moved}

    # --- queued runs ------------------------------------------------------------------------------

    def submit(self, scenario_id: int, kind: str) -> str:
        """Queue a slow run of ``kind`` on the scenario's current state; return the run id."""
        if kind not in SLOW_KINDS:
            raise ParameterError(
                f"there is no kind of run {kind!r}", fix=f"use one of: {', '.join(SLOW_KINDS)}"
            )
        opened = self.get(scenario_id)
        holder: list[str] = []
        work = slow_job(
            kind,
            opened.current,
            seed=self.seed,
            cache=self.sections,
            key=(scenario_id, opened.state),
            workspace=self.workspace,
            run_name=lambda: holder[0],
        )
        run_id = self.jobs.submit(scenario_id, opened.state, kind, work, before_start=holder.append)
        return run_id

    def run(self, run_id: str) -> dict[str, Any]:
        """The run with this id (status, progress, result)."""
        row = self.store.run(run_id)
        if row is None:
            raise NotFoundError(f"there is no run {run_id!r}", fix="start the run again from its view")
        return row

    def latest_run(self, scenario_id: int, kind: str) -> dict[str, Any] | None:
        """The newest run of ``kind`` on a scenario, or None."""
        runs = self.store.runs(scenario_id, kind)
        return runs[0] if runs else None

    def close(self) -> None:
        """Stop the job queue and release the store."""
        self.jobs.close()
        self.store.close()
