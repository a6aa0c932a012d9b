"""schemathesis against the workbench's /openapi.json: generated requests to every API operation, and
not one server error (5xx)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from detente.web import create_app

_ROOT = Path(tempfile.mkdtemp(prefix="detente-fuzz-"))
# one queued run at a time, so that generated run requests do not pile up seconds of work
APP = create_app(_ROOT / "workspace", ledger=str(_ROOT / "none.db"), max_queued=1)
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@pytest.fixture(scope="module", autouse=True)
def _close_after():
    yield
    APP.state.workbench.close()
    shutil.rmtree(_ROOT, ignore_errors=True)


def test_the_spec_lists_the_api():
    paths = APP.openapi()["paths"]
    assert "/api/scenarios/{sid}/edits" in paths and "/api/runs/{run_id}" in paths
    assert not any(p.startswith("/s/") for p in paths)  # the pages are not part of the API


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors(case):
    if case.path_parameters and "sid" in case.path_parameters:
        # aim at the scenario that exists (random ids would mostly test the 404 path)
        case.path_parameters["sid"] = APP.state.first_scenario
    response = case.call()
    assert response.status_code < 500, (
        f"{case.method} {case.formatted_path}: {response.status_code} {response.text[:300]}"
    )
    case.validate_response(response, checks=[not_a_server_error])
