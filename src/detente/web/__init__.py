"""The web workbench: edit a scenario in the browser and see the forecasts change (``detente serve``).

:func:`create_app` builds the FastAPI application; :mod:`detente.web.workbench` holds what it does
(scenarios, edits with their basis and history, fast forecasts, queued slow runs), on top of the same
pure functions as the command line. See docs/workbench.md.
"""

from __future__ import annotations

from detente.web.app import create_app

__all__ = ["create_app"]
