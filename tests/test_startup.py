"""Start-up cost of the command line: ``--version`` and ``--help`` import no scenario or model stack."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest

from detente.__main__ import STARTUP_GC_THRESHOLD

HEAVY = ("numpy", "scipy", "pydantic", "matplotlib", "pandas", "sqlalchemy", "dask", "yaml", "jinja2")
"""Top-level packages that ``detente --version`` and ``detente --help`` must not import."""

_PROBE = """
import json, os, sys, gc
sys.argv = ["detente", *{args!r}]
from detente.__main__ import main
before = [g["collections"] for g in gc.get_stats()]
try:
    main()
except SystemExit as e:
    code = e.code
else:
    code = 0
sys.stdout.flush()
blas = os.environ.get("OPENBLAS_NUM_THREADS")
collections = [g["collections"] - b for g, b in zip(gc.get_stats(), before)]
report = {{
    "code": code, "modules": sorted(sys.modules), "blas": blas, "frozen": gc.get_freeze_count(),
    "collections": collections, "threshold": gc.get_threshold(),
}}
sys.__stderr__.write(json.dumps(report))
"""


def _probe(*args: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run ``detente ARGS`` (the console script's entry) in a fresh interpreter and report on it.

    The report: exit code, modules imported, BLAS threads, objects frozen, collections run by
    generation, the collector's thresholds at the end, and stdout.
    """
    r = subprocess.run(
        [sys.executable, "-c", _PROBE.format(args=list(args))],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )
    return {**json.loads(r.stderr.strip().splitlines()[-1]), "stdout": r.stdout}


def _imported(*args: str) -> tuple[int, set[str], str]:
    """Run ``detente ARGS`` in a fresh interpreter; its exit code, modules imported and stdout."""
    report = _probe(*args)
    return report["code"], set(report["modules"]), report["stdout"]


@pytest.mark.parametrize("args", [["--version"], ["--help"]])
def test_version_and_help_import_no_heavy_package(args: list[str]) -> None:
    code, modules, stdout = _imported(*args)
    heavy = {m.split(".")[0] for m in modules} & set(HEAVY)
    assert code == 0
    assert stdout.strip()
    assert not heavy, f"detente {' '.join(args)} imported {sorted(heavy)}"


@pytest.mark.parametrize(
    "args", [["forecast", "--help"], ["roadmap", "check", "--help"], ["sweep", "--help"]]
)
def test_command_help_imports_no_scenario_or_model_stack(args: list[str]) -> None:
    """A command's help needs its signature only (typer itself may import pydantic to coerce paths)."""
    code, modules, stdout = _imported(*args)
    loaded = {m for m in modules if m.split(".")[0] in ("numpy", "scipy", "matplotlib", "pandas", "yaml")}
    loaded |= {m for m in modules if m.startswith(("detente.scenario", "detente.models", "detente.report"))}
    assert code == 0
    assert "Usage" in stdout
    assert not loaded, f"detente {' '.join(args)} imported {sorted(loaded)[:5]}"


def test_version_prints_the_version_without_importing_the_command_line() -> None:
    from detente import __version__

    code, modules, stdout = _imported("--version")
    assert code == 0 and stdout.strip() == f"detente {__version__}"
    assert "importlib.metadata" not in modules  # the version is a constant: no metadata lookup
    loaded = {m for m in modules if m.split(".")[0] in ("typer", "rich", "click", "typing")}
    assert not loaded and "detente.cli" not in modules, sorted(loaded)[:5]
    code, modules, stdout = _imported("--version", "--help")  # not alone: the command line answers
    assert code == 0 and stdout.strip() == f"detente {__version__}"
    assert "detente.cli" in modules and "typer.main" in modules


def test_a_command_still_loads_the_scenario_stack() -> None:
    """The guard is not vacuous: a command that forecasts does import numpy and pydantic."""
    code, modules, _ = _imported("forecast", "ktab-3dim", "--model", "smp")
    assert code == 0
    assert {"numpy", "pydantic"} <= modules
    assert "scipy.optimize" not in modules  # only the Nash model's forecast needs it
    assert "matplotlib" not in modules  # only reports draw charts


LAZY = (
    *("scipy", "matplotlib", "jinja2", "sqlalchemy", "dask", "numba", "llvmlite", "yaml"),
    *("numpy.ma", "numpy.random"),
)
"""What ``detente forecast`` must not import on a small KTAB scenario (CSV, below NUMBA_MIN_ACTORS).

``numpy.random``: a deterministic forecast draws nothing (``SeedLike`` names ``SeedSequence`` by a
forward reference).
"""


@pytest.mark.parametrize("scenario", ["ktab-3dim", "ktab-a080"])
def test_forecast_on_a_ktab_scenario_imports_only_what_it_uses(scenario: str) -> None:
    code, modules, stdout = _imported("forecast", scenario, "--model", "smp")
    assert code == 0 and "smp forecast" in stdout
    loaded = sorted(m for m in modules if m in LAZY or m.split(".")[0] in LAZY)
    assert not loaded, f"detente forecast {scenario} imported {loaded[:5]}"
    others = {f"detente.models.{m}" for m in ("compromise", "median", "nash", "dominant", "expected_utility")}
    assert not others & modules  # only the SMP's module
    assert "detente.experiments" not in modules


def test_model_table_matches_the_model_classes() -> None:
    """``get_model`` imports one model's module by name: the table must name every class correctly."""
    from detente import models

    assert [cls.name for cls in models.ALL_MODELS] == models.model_names()
    assert {cls.name for cls in models.BASELINE_MODELS} < set(models.model_names())
    for name in models.model_names():
        assert type(models.get_model(name)).name == name
    assert set(models.__all__) <= set(dir(models))
    for attr in models.__all__:
        assert getattr(models, attr) is not None


def test_the_command_line_uses_one_blas_thread_unless_told_otherwise() -> None:
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    assert _probe("--version", env=env)["blas"] == "1"
    assert _probe("--version", env={**env, "OPENBLAS_NUM_THREADS": "2"})["blas"] == "2"


_FULL_APP = """
import sys
sys.argv = ["detente", *{args!r}]
from detente.cli import app
app(prog_name="detente")
"""


@pytest.mark.parametrize(
    "args",
    [
        ["forecast", "ktab-3dim", "--model", "smp"],
        ["forecast", "--help"],
        ["forecast", "ktab-3dim", "--no-such-option"],
        ["roadmap", "check", "--help"],
        ["sweep", "--help"],
        ["forecst", "ktab-3dim"],
        ["models"],
    ],
)
def test_a_command_runs_as_in_the_whole_command_tree(args: list[str]) -> None:
    """``main`` builds only the command named first (``app_for``): same output and exit code."""
    env = {**os.environ, "COLUMNS": "100"}
    runs = [
        subprocess.run(command, capture_output=True, text=True, timeout=120, check=False, env=env)
        for command in (
            [sys.executable, "-m", "detente", *args],  # main(): app_for(args)
            [sys.executable, "-c", _FULL_APP.format(args=args)],
        )
    ]
    assert [(r.returncode, r.stdout, r.stderr) for r in runs[:1]] == [
        (r.returncode, r.stdout, r.stderr) for r in runs[1:]
    ]
    assert runs[0].stdout or runs[0].stderr


def test_app_for_keeps_only_the_named_command() -> None:
    from detente.cli import app, app_for

    one = app_for(["forecast", "ktab-3dim"])
    assert [c.callback.__name__ for c in one.registered_commands if c.callback] == ["forecast"]
    assert not one.registered_groups and len(app.registered_commands) > 1  # the app itself is unchanged
    assert [g.name for g in app_for(["roadmap", "check"]).registered_groups] == ["roadmap"]
    for argv in ([], ["--help"], ["no-such-command"]):
        assert app_for(argv) is app


@pytest.mark.parametrize(
    "args", [["forecast", "ktab-3dim", "--model", "smp"], ["forecast", "no-such-file.csv"]]
)
def test_the_command_line_freezes_the_collector_before_exit(args: list[str]) -> None:
    """Whatever the outcome, main() moves the heap to the permanent generation before shutdown."""
    report = _probe(*args)
    assert report["code"] == (0 if args[1] == "ktab-3dim" else 2)
    assert report["frozen"] > 10_000


def test_a_small_forecast_runs_no_collection() -> None:
    """The collector's start-up allowance (``STARTUP_GC_THRESHOLD``) covers a small forecast."""
    report = _probe("forecast", "ktab-3dim", "--model", "smp")
    assert report["code"] == 0
    assert report["collections"] == [0, 0, 0]
    assert report["threshold"][0] == STARTUP_GC_THRESHOLD


def test_the_first_collection_restores_the_collector_thresholds() -> None:
    script = (
        "import gc\n"
        "from detente.__main__ import STARTUP_GC_THRESHOLD, relax_collector_for_startup\n"
        "gc.set_threshold(700, 10, 10)\n"
        "relax_collector_for_startup()\n"
        "during = gc.get_threshold()\n"
        "keep = [[] for _ in range(STARTUP_GC_THRESHOLD + 1000)]  # enough to trigger a collection\n"
        "print(during, gc.get_threshold(), gc.get_stats()[0]['collections'] > 0)\n"
    )
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True)
    assert r.stdout.split("\n")[0] == f"({STARTUP_GC_THRESHOLD}, 10, 10) (700, 10, 10) True"


def test_the_thresholds_a_user_sets_during_start_up_are_left_alone() -> None:
    script = (
        "import gc\n"
        "from detente.__main__ import relax_collector_for_startup\n"
        "relax_collector_for_startup()\n"
        "gc.set_threshold(5000, 20, 20)\n"
        "gc.collect()\n"
        "print(gc.get_threshold())\n"
    )
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True)
    assert r.stdout.strip() == "(5000, 20, 20)"


def _seeded_callables() -> list[tuple[str, Any]]:
    """Every function and method of detente whose annotations name ``SeedLike``."""
    import importlib
    import inspect
    import pkgutil

    import detente

    found = []
    for info in pkgutil.walk_packages(detente.__path__, "detente."):
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            members = [(name, obj)]
            if inspect.isclass(obj):
                members += [(f"{name}.{k}", v) for k, v in vars(obj).items()]
            for qual, f in members:
                f = getattr(f, "__func__", f)
                if not inspect.isfunction(f) or f.__module__ != info.name:
                    continue
                if "SeedLike" in map(str, f.__annotations__.values()):
                    found.append((f"{info.name}.{qual}", f))
    return found


def test_every_seed_annotation_resolves_to_int_seedsequence_or_none() -> None:
    """``SeedLike``'s forward reference resolves wherever it is used (typing.get_type_hints)."""
    import typing

    import numpy as np

    seeded = _seeded_callables()
    assert len(seeded) > 20  # the walk found the seeded API (models, deals, experiments)
    for name, f in seeded:
        hints = typing.get_type_hints(f)
        seeds = [h for h in hints.values() if np.random.SeedSequence in typing.get_args(h)]
        assert seeds, f"{name}: no resolved SeedLike in {hints}"
        assert set(typing.get_args(seeds[0])) == {int, np.random.SeedSequence, type(None)}, name
