"""The workbench's web application: server-rendered pages (Jinja2 and htmx) and a JSON API.

:func:`create_app` builds the FastAPI application that ``detente serve`` runs with uvicorn. The
pages and the API call the same operations (:class:`detente.web.workbench.Workbench`), which call the
same pure functions as the command line. The OpenAPI description of the JSON API is at
``/openapi.json``.

Safety (see docs/workbench.md):

* with a token, every request must carry it (``Authorization: Bearer TOKEN``, or ``?token=TOKEN``
  once, which sets a cookie for the browser); ``detente serve`` refuses to bind beyond loopback
  without one;
* request bodies over :data:`~detente.web.workbench.MAX_UPLOAD_BYTES` are refused (413);
* state-changing requests from another origin are refused (403);
* every name is escaped (Jinja2 autoescaping; report sections escape their own);
* files are served only from the workspace's ``reports`` folder, checked after resolving the path;
  uploads are never written to disk.
"""

from __future__ import annotations

import hmac
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from importlib.resources import files
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from fastapi import FastAPI, File, Request, UploadFile
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, PackageLoader
from pydantic import BaseModel, Field, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from detente import __version__
from detente.errors import DetenteError, InputError
from detente.scenario.io import dumps_scenario
from detente.scenarios import DEFAULT_SCENARIO, list_scenarios, resolve_scenario
from detente.web.analysis import FAST_MODELS, SLOW_KINDS, advice_html, ledger_rows, report_css, summary_html
from detente.web.edits import EditRequest, diff_scenarios
from detente.web.jobs import QueueFullError
from detente.web.store import DEFAULT_STORE_NAME, open_workbench_store
from detente.web.workbench import MAX_UPLOAD_BYTES, NotFoundError, Opened, Workbench

__all__ = ["TOKEN_COOKIE", "VIEWS", "CreateScenario", "SubmitRun", "create_app"]

TOKEN_COOKIE = "detente_token"
"""Cookie that carries the token after a browser opened the workbench with ``?token=``."""

_STATIC = files("detente.web").joinpath("static")
ScenarioId = Annotated[int, PathParam(ge=1, le=2_000_000_000, description="Id of a workbench scenario.")]
RunId = Annotated[str, PathParam(pattern=r"^[0-9a-f]{32}$", description="Id of a queued run.")]

_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
VIEWS = {
    "edit": "Edit",
    "summary": "Summary",
    "diff": "Diff",
    "history": "History",
    "roadmap": "Road map",
    "deals": "Deals & coalitions",
    "advice": "Advice",
    "mc": "Monte Carlo",
    "report": "Report",
    "ledger": "Ledger",
}
"""The workbench's views (tabs), in the order shown."""


# --- errors ---------------------------------------------------------------------------------------


def _status(exc: DetenteError) -> int:
    if isinstance(exc, NotFoundError):
        return 404
    if isinstance(exc, QueueFullError):
        return 429
    if isinstance(exc, InputError):
        return 400
    return 422


def _validation_line(errors: list[Any]) -> str:
    """The first validation error as one line: ``field: what is wrong``."""
    if not errors:
        return "the request is not valid"
    err = errors[0]
    loc = ".".join(str(x) for x in err.get("loc", ()) if x not in ("body", "query", "path", "form"))
    msg = " ".join(str(err.get("msg", "is not valid")).split())
    return f"{loc}: {msg}" if loc else msg


def _wants_json(request: Request) -> bool:
    path = request.url.path
    return path.startswith(("/api/", "/files/")) or path == "/openapi.json"


class _TooLargeError(StarletteHTTPException):
    def __init__(self) -> None:
        super().__init__(
            413,
            f"the request is over the {MAX_UPLOAD_BYTES // 2**20} MiB limit. "
            "Fix: upload a smaller scenario (split it or remove unneeded content)",
        )


class _BodyLimit:
    """ASGI middleware: refuse request bodies over ``limit`` bytes (by Content-Length, or as they stream)."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.strip().isdigit() or int(declared) > self.limit):
            await _send_too_large(scope, send)
            return
        seen = 0
        state = {"started": False, "exceeded": False, "replaced": False}

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    state["exceeded"] = True
                    raise _TooLargeError
            return message

        async def watch(message: Message) -> None:
            # once the body went over the limit, whatever the app answers becomes the 413
            if state["exceeded"] and not state["started"]:
                state["started"] = state["replaced"] = True
                await _send_too_large(scope, send)
                return
            if state["replaced"]:
                return
            if message["type"] == "http.response.start":
                state["started"] = True
            await send(message)

        try:
            await self.app(scope, limited, watch)
        except _TooLargeError:
            if not state["started"]:
                await _send_too_large(scope, send)


async def _send_too_large(scope: Scope, send: Send) -> None:
    response = JSONResponse({"error": _TooLargeError().detail}, status_code=413)
    await response(scope, _no_body, send)


async def _no_body() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}


# --- the application ------------------------------------------------------------------------------


class CreateScenario(BaseModel):
    """Open a scenario: an embedded one by name, or scenario text (YAML, JSON or CSV)."""

    embedded: str | None = Field(default=None, max_length=100, description="Name of an embedded scenario.")
    text: str | None = Field(default=None, max_length=MAX_UPLOAD_BYTES, description="Scenario file content.")
    format: Literal["yaml", "json", "csv"] = Field(default="yaml", description="Format of ``text``.")
    filename: str = Field(default="upload", max_length=100, description="A label for the uploaded text.")


class SubmitRun(BaseModel):
    """Queue a slow run."""

    kind: Literal["roadmap", "deals", "mc", "report"] = Field(description="What to run.")


def create_app(
    workspace: str | Path,
    scenario: str | None = None,
    store_url: str | None = None,
    token: str | None = None,
    *,
    ledger: str | None = None,
    allowed_hosts: list[str] | None = None,
    seed: int = 0,
    max_queued: int | None = None,
) -> FastAPI:
    """Build the workbench application.

    Parameters
    ----------
    workspace : str or Path
        Folder the workbench writes to (its store by default, reports) and serves reports from;
        created if missing.
    scenario : str, optional
        Embedded scenario name or scenario file (from the command line) opened first; default korea.
    store_url : str, optional
        The store: a SQLite path or SQLAlchemy URL; default ``WORKSPACE/workbench.db``.
    token : str, optional
        When given, every request must carry it (header, cookie or ``?token=``).
    ledger : str, optional
        Path or URL of the forecast ledger shown in the ledger view; default ``detente-ledger.db``.
    allowed_hosts : list of str, optional
        Host names the ``Host`` header may give (``detente serve`` passes the loopback names when it
        binds to loopback, against DNS rebinding); None accepts any.
    seed : int
        Seed of every random draw.
    max_queued : int, optional
        Most queued runs (default :data:`detente.web.jobs.MAX_QUEUED`).
    """
    root = Path(workspace).expanduser().resolve()
    root.mkdir(parents=True, exist_ok=True)
    store = open_workbench_store(store_url or root / DEFAULT_STORE_NAME)
    store.interrupt_unfinished()
    extra = {"max_queued": max_queued} if max_queued is not None else {}
    bench = Workbench(root, store, ledger=ledger or "detente-ledger.db", seed=seed, **extra)
    if scenario is None or scenario in list_scenarios():
        first = bench.open_embedded(scenario or DEFAULT_SCENARIO)
    else:
        first = bench.open_scenario(resolve_scenario(scenario), f"file:{Path(scenario).name}", reuse=True)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        bench.close()

    app = FastAPI(
        title="detente workbench",
        version=__version__,
        description="Edit a negotiation scenario and see the forecasts change. Errors are JSON "
        '`{"error": "one line"}`.',
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.workbench = bench
    app.state.first_scenario = first
    # Autoescaping for every template (the file names end .j2, which select_autoescape would miss).
    templates = Jinja2Templates(
        env=Environment(loader=PackageLoader("detente.web", "templates"), autoescape=True)
    )
    templates.env.globals.update(views=VIEWS, version=__version__, slow_kinds=SLOW_KINDS)
    css = report_css()

    # --- middleware (the last added runs first) -----------------------------------------------

    @app.middleware("http")
    async def headers(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            origin = request.headers.get("origin")
            site = request.headers.get("sec-fetch-site", "")
            if site == "cross-site" or (
                origin is not None and urlsplit(origin).netloc != request.headers.get("host", "")
            ):
                return _error(
                    request, 403, "a request from another site was refused. Fix: use the workbench page"
                )
        response = await call_next(request)
        response.headers.setdefault("Content-Security-Policy", _CSP)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Frame-Options"] = "DENY"
        return response

    if token:

        @app.middleware("http")
        async def check_token(
            request: Request, call_next: Callable[[Request], Awaitable[Response]]
        ) -> Response:
            auth = request.headers.get("authorization", "")
            given = auth[7:] if auth.lower().startswith("bearer ") else ""
            from_query = request.query_params.get("token", "")
            given = given or from_query or request.cookies.get(TOKEN_COOKIE, "")
            if not hmac.compare_digest(given.encode(), token.encode()):
                return _error(
                    request,
                    401,
                    "this workbench needs its token. Fix: open the URL detente serve printed, "
                    "or send the header Authorization: Bearer TOKEN",
                )
            response = await call_next(request)
            if from_query:
                response.set_cookie(TOKEN_COOKIE, token, httponly=True, samesite="strict")
            return response

    if allowed_hosts:
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts)
    app.add_middleware(_BodyLimit, limit=MAX_UPLOAD_BYTES)

    def _error(request: Request, status: int, message: str) -> Response:
        if _wants_json(request):
            return JSONResponse({"error": message}, status_code=status)
        if request.headers.get("hx-request"):
            return HTMLResponse(f'<p class="error" role="alert">{_escape(message)}</p>', status_code=status)
        return templates.TemplateResponse(
            request, "error.html.j2", {"message": message, "status": status}, status_code=status
        )

    @app.exception_handler(DetenteError)
    async def detente_error(request: Request, exc: DetenteError) -> Response:
        return _error(request, _status(exc), exc.message)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        return _error(request, 422, _validation_line(list(exc.errors())))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        message = exc.detail if isinstance(exc.detail, str) else "the request failed"
        if exc.status_code == 404 and message == "Not Found":
            message = "there is no such page"
        return _error(request, exc.status_code, message)

    app.mount("/static", StaticFiles(directory=str(_STATIC)), name="static")

    @app.get("/static-report.css", include_in_schema=False)
    def report_styles() -> Response:
        return Response(css, media_type="text/css")

    # --- JSON API -------------------------------------------------------------------------------

    def _scenario_json(opened: Opened) -> dict[str, Any]:
        return {
            "id": opened.id,
            "name": opened.name,
            "origin": opened.origin,
            "state": opened.state,
            "edits": sum(1 for e in opened.history if not e["undone"]),
            "scenario": opened.current.model_dump(mode="json", exclude_defaults=True),
        }

    @app.get("/api/scenarios", tags=["scenarios"], summary="List the workbench's scenarios")
    def api_scenarios() -> dict[str, Any]:
        return {"scenarios": store.scenarios(), "embedded": list_scenarios()}

    @app.post("/api/scenarios", tags=["scenarios"], status_code=201, summary="Open a scenario")
    def api_open(body: CreateScenario) -> dict[str, Any]:
        if (body.embedded is None) == (body.text is None):
            raise InputError(
                "give either 'embedded' or 'text'", fix="name an embedded scenario, or send its text"
            )
        if body.embedded is not None:
            sid = bench.open_embedded(body.embedded, reuse=False)
        else:
            assert body.text is not None
            suffix = {"yaml": ".yaml", "json": ".json", "csv": ".csv"}[body.format]
            name = Path(body.filename.replace("\\", "/")).stem or "upload"
            sid = bench.open_upload(_utf8(body.text), name + suffix)
        return _scenario_json(bench.get(sid))

    @app.post("/api/scenarios/upload", tags=["scenarios"], status_code=201, summary="Upload a scenario file")
    async def api_upload(
        file: Annotated[UploadFile, File(description="Scenario file, at most 2 MiB.")],
    ) -> Any:
        raw = await file.read(MAX_UPLOAD_BYTES + 1)
        sid = bench.open_upload(raw, file.filename or "upload")
        return _scenario_json(bench.get(sid))

    @app.get("/api/scenarios/{sid}", tags=["scenarios"], summary="A scenario as edited")
    def api_scenario(sid: ScenarioId) -> dict[str, Any]:
        return _scenario_json(bench.get(sid))

    @app.get("/api/scenarios/{sid}/forecast", tags=["forecasts"], summary="Fast models' forecasts")
    def api_forecast(sid: ScenarioId) -> dict[str, Any]:
        return bench.forecast_data(bench.get(sid))

    @app.post("/api/scenarios/{sid}/edits", tags=["edits"], status_code=201, summary="Edit one number")
    def api_edit(sid: ScenarioId, body: EditRequest) -> dict[str, Any]:
        row = bench.edit(sid, body)
        return {"edit": row, "forecast": bench.forecast_data(bench.get(sid))}

    @app.get("/api/scenarios/{sid}/edits", tags=["edits"], summary="Edit history")
    def api_edits(sid: ScenarioId) -> dict[str, Any]:
        return {"edits": bench.get(sid).history}

    @app.post("/api/scenarios/{sid}/undo", tags=["edits"], summary="Undo the latest edit")
    def api_undo(sid: ScenarioId) -> dict[str, Any]:
        return {"undone": bench.undo(sid)}

    @app.get("/api/scenarios/{sid}/diff", tags=["edits"], summary="Differences from the baseline")
    def api_diff(sid: ScenarioId) -> dict[str, Any]:
        return bench.diff(bench.get(sid))

    @app.get(
        "/api/scenarios/{sid}/scenario.yaml",
        tags=["scenarios"],
        summary="Download the scenario as edited (detente YAML)",
        response_class=PlainTextResponse,
    )
    def api_yaml(sid: ScenarioId) -> Response:
        return _yaml_download(bench.get(sid))

    @app.post("/api/scenarios/{sid}/runs", tags=["runs"], status_code=202, summary="Queue a slow run")
    def api_submit(sid: ScenarioId, body: SubmitRun) -> dict[str, Any]:
        return {"run": bench.run(bench.submit(sid, body.kind))}

    @app.get("/api/runs/{run_id}", tags=["runs"], summary="A run's status, progress and result")
    def api_run(run_id: RunId) -> dict[str, Any]:
        return {"run": bench.run(run_id)}

    @app.get("/api/ledger", tags=["ledger"], summary="The forecast ledger's forecasts")
    def api_ledger() -> dict[str, Any]:
        rows, note = ledger_rows(bench.ledger)
        return {"forecasts": rows, "note": note}

    @app.get("/files/{path:path}", tags=["files"], summary="Download a report from the workspace")
    def download(path: str) -> Response:
        return FileResponse(
            _workspace_file(root, path), filename=Path(path).name, content_disposition_type="attachment"
        )

    # --- pages ----------------------------------------------------------------------------------

    def page(
        request: Request, name: str, opened: Opened | None, view: str, status: int = 200, **ctx: Any
    ) -> Response:
        context = {
            "opened": opened,
            "view": view,
            "scenarios": store.scenarios(),
            "embedded": list_scenarios(),
            "fast_models": FAST_MODELS,
            **ctx,
        }
        return templates.TemplateResponse(request, name, context, status_code=status)

    def bench_context(opened: Opened) -> dict[str, Any]:
        data = bench.forecast_data(opened)
        changed = {
            (r["actor"], r["issue"], r["field"]) for r in diff_scenarios(opened.baseline, opened.current)
        }
        return {"forecast": data, "sources": opened.current.sources, "changed": changed}

    @app.get("/", include_in_schema=False)
    def home() -> Response:
        rows = store.scenarios()
        sid = rows[0]["id"] if rows else bench.open_embedded(DEFAULT_SCENARIO)
        return RedirectResponse(f"/s/{sid}", status_code=303)

    @app.get("/s/{sid}", include_in_schema=False)
    def edit_page(request: Request, sid: ScenarioId) -> Response:
        opened = bench.get(sid)
        return page(request, "edit.html.j2", opened, "edit", **bench_context(opened))

    @app.post("/s/{sid}/edit", include_in_schema=False)
    async def edit_form(request: Request, sid: ScenarioId) -> Response:
        form = await request.form()
        fields = {k: v for k, v in form.items() if isinstance(v, str) and k in EditRequest.model_fields}
        message, ok = "", True
        try:
            row = bench.edit(sid, EditRequest.model_validate(fields))
            where = f"{row['actor']}{' on ' + row['issue'] if row['issue'] else ''}"
            change = f"{row['old_value']:g} \u2192 {row['new_value']:g}"
            message = f"Edit {row['id']}: {row['field']} of {where} {change}."
        except ValidationError as exc:
            message, ok = _validation_line(list(exc.errors())), False
        except DetenteError as exc:
            message, ok = exc.message, False
        opened = bench.get(sid)
        status = 200 if ok or request.headers.get("hx-request") else 400
        name = "_bench.html.j2" if request.headers.get("hx-request") else "edit.html.j2"
        return page(request, name, opened, "edit", status, message=message, ok=ok, **bench_context(opened))

    @app.post("/s/{sid}/undo", include_in_schema=False)
    def undo_form(request: Request, sid: ScenarioId) -> Response:
        row = bench.undo(sid)
        message = f"Undid edit {row['id']}." if row else "There is no edit to undo."
        opened = bench.get(sid)
        name = "_bench.html.j2" if request.headers.get("hx-request") else "edit.html.j2"
        return page(request, name, opened, "edit", message=message, ok=True, **bench_context(opened))

    @app.get("/s/{sid}/view/{view}", include_in_schema=False)
    def view_page(request: Request, sid: ScenarioId, view: str, actor: str = "") -> Response:
        if view not in VIEWS:
            raise NotFoundError(f"there is no view {view!r}", fix=f"use one of: {', '.join(VIEWS)}")
        if view == "edit":
            return RedirectResponse(f"/s/{sid}", status_code=303)
        opened = bench.get(sid)
        ctx: dict[str, Any] = {}
        if view == "summary":
            ctx["body"] = summary_html(opened.current, bench.forecasts(opened.current)[0], seed=bench.seed)
        elif view == "diff":
            ctx["diff"] = bench.diff(opened)
        elif view == "advice":
            ctx["actor"] = actor
            if actor:
                ctx["body"] = advice_html(opened.current, actor, seed=bench.seed)
        elif view == "ledger":
            ctx["rows"], ctx["note"] = ledger_rows(bench.ledger)
        elif view in SLOW_KINDS:
            ctx["run"] = bench.latest_run(sid, view)
            ctx["kind"] = view
        return page(request, f"view_{view if view not in SLOW_KINDS else 'job'}.html.j2", opened, view, **ctx)

    @app.post("/s/{sid}/runs/{kind}", include_in_schema=False)
    def submit_form(request: Request, sid: ScenarioId, kind: str) -> Response:
        run_id = bench.submit(sid, kind)
        if request.headers.get("hx-request"):
            return run_fragment(request, run_id)
        return RedirectResponse(f"/s/{sid}/view/{kind}", status_code=303)

    @app.get("/runs/{run_id}", include_in_schema=False)
    def run_fragment(request: Request, run_id: RunId) -> Response:
        run = bench.run(run_id)
        opened = bench.get(run["scenario_id"])
        return templates.TemplateResponse(request, "_run.html.j2", {"run": run, "opened": opened})

    @app.get("/s/{sid}/scenario.yaml", include_in_schema=False)
    def yaml_download(sid: ScenarioId) -> Response:
        return _yaml_download(bench.get(sid))

    @app.get("/scenarios", include_in_schema=False)
    def scenarios_page(request: Request) -> Response:
        return page(request, "scenarios.html.j2", None, "scenarios")

    @app.post("/scenarios/embedded", include_in_schema=False)
    async def open_form(request: Request) -> Response:
        form = await request.form()
        name = form.get("name")
        sid = bench.open_embedded(name if isinstance(name, str) else "", reuse=False)
        return RedirectResponse(f"/s/{sid}", status_code=303)

    @app.post("/scenarios/upload", include_in_schema=False)
    async def upload_form(request: Request) -> Response:
        form = await request.form()
        upload = form.get("file")
        if upload is None or isinstance(upload, str) or not upload.filename:
            raise InputError(
                "no file was chosen", fix="choose a scenario file (.yaml, .json or .csv) to upload"
            )
        raw = await upload.read(MAX_UPLOAD_BYTES + 1)
        sid = bench.open_upload(raw, upload.filename)
        return RedirectResponse(f"/s/{sid}", status_code=303)

    return app


def _escape(text: str) -> str:
    from markupsafe import escape

    return str(escape(text))


def _utf8(text: str) -> bytes:
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        raise InputError("the text is not valid Unicode", fix="send UTF-8 text") from None


def _yaml_download(opened: Opened) -> Response:
    slug = "".join(c if c.isalnum() or c in "-_" else "-" for c in opened.name.lower()).strip("-")[:60]
    return PlainTextResponse(
        dumps_scenario(opened.current, "yaml"),
        media_type="application/yaml",
        headers={"Content-Disposition": f'attachment; filename="{slug or "scenario"}.yaml"'},
    )


def _workspace_file(root: Path, path: str) -> Path:
    """The file a download names, if it lies inside the workspace's ``reports`` folder; else 404.

    The path is resolved (``..`` and symbolic links followed) before the check, so neither ``../``,
    an absolute path nor a link can reach outside.
    """
    reports = (root / "reports").resolve()
    missing = NotFoundError(
        "there is no such report in the workspace", fix="run the report from the Report view"
    )
    if "\x00" in path or not path:
        raise missing
    try:
        target = (root / path).resolve()
    except (OSError, ValueError, RuntimeError):
        raise missing from None
    if not target.is_relative_to(reports) or not target.is_file():
        raise missing
    return target
