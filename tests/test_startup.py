"""Start-up cost of the command line: ``--version`` and ``--help`` import no scenario or model stack."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("numpy", "scipy", "pydantic", "matplotlib", "pandas", "sqlalchemy", "dask", "yaml", "jinja2")
"""Top-level packages that ``detente --version`` and ``detente --help`` must not import."""

_PROBE = """
import json, sys
sys.argv = ["detente", *{args!r}]
from detente.cli import main
try:
    main()
except SystemExit as e:
    code = e.code
else:
    code = 0
sys.stdout.flush()
sys.__stderr__.write(json.dumps({{"code": code, "modules": sorted(sys.modules)}}))
"""


def _imported(*args: str) -> tuple[int, set[str], str]:
    """Run ``detente ARGS`` in a fresh interpreter; its exit code, modules imported and stdout."""
    r = subprocess.run(
        [sys.executable, "-c", _PROBE.format(args=list(args))],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    report = json.loads(r.stderr.strip().splitlines()[-1])
    return report["code"], set(report["modules"]), r.stdout


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


def test_version_prints_the_version_without_building_the_command_tree() -> None:
    from detente import __version__

    code, modules, stdout = _imported("--version")
    assert code == 0 and stdout.strip() == f"detente {__version__}"
    assert "importlib.metadata" not in modules  # the version is a constant: no metadata lookup
    assert "detente.commands._common" in modules and "typer.main" in modules  # the probe saw the CLI


def test_a_command_still_loads_the_scenario_stack() -> None:
    """The guard is not vacuous: a command that forecasts does import numpy and pydantic."""
    code, modules, _ = _imported("forecast", "ktab-3dim", "--model", "smp")
    assert code == 0
    assert {"numpy", "pydantic"} <= modules
    assert "scipy.optimize" not in modules  # only the Nash model's forecast needs it
    assert "matplotlib" not in modules  # only reports draw charts
