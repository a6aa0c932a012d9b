"""Calibration command: ``detente roadmap calibrate`` (to be registered by the road-map app).

Fits the Korean road map's parameters on the event data up to a cutoff (see docs/calibration.md),
prints the estimates with their standard errors and writes the calibration as JSON.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from detente.commands._common import ForceOpt, commit, json_text, outputs, print_rows

__all__ = ["calibrate"]


def calibrate(
    cutoff: Annotated[
        str,
        typer.Option(
            "--cutoff", help="Last date of data the fit may use (YYYY-MM-DD); later years stay out."
        ),
    ] = "2019-12-31",
    out: Annotated[Path, typer.Option("--json", help="JSON file to write the calibration to.")] = Path(
        "calibration.json"
    ),
    force: ForceOpt = False,
) -> None:
    """Fit test, clash, patience and guarantor parameters on data up to CUTOFF; print them, write JSON."""
    from detente.calibration.korea import calibrate as calibrate_korea

    with outputs([out], force=force) as files:
        cal = calibrate_korea(cutoff)
        print_rows(
            cal.summary_rows(),
            title=f"Korean road map calibrated on data to {cal.metadata.cutoff} (statsmodels "
            f"{cal.metadata.statsmodels_version}); estimate, standard error, 95% interval",
        )
        files.add(out, json_text(cal.to_json_dict()))
        commit(files)
