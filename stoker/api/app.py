"""Building the FastAPI application over the services the daemon wires up."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, FastAPI, Security
from fastapi.openapi.utils import get_openapi

from stoker.api.access import AUTHORIZE
from stoker.api.auth import documented
from stoker.api.errors import install_error_handlers
from stoker.api.glue.endpoint import glue_router
from stoker.api.guard import PUBLIC_PATHS, Guard, allowed_hosts
from stoker.api.ports import ApiServices
from stoker.api.routes import (
    audit,
    bookmarks,
    catalog,
    cluster,
    definitions,
    events,
    generate,
    health,
    index,
    jobs,
    keys,
    metrics,
    roles,
    run_metrics,
    runs,
    scripts,
    security_configs,
    sessions,
    stream,
    triggers,
)
from stoker.api.schemas.common import ErrorOut
from stoker.api.streams import RunStreams
from stoker.config.glue import GlueApiSettings
from stoker.config.settings import ApiSettings
from stoker.runs.credentials import RunCredentials

DESCRIPTION = """\
stoker runs Spark ETL jobs with AWS Glue's job semantics.

Errors are JSON `{"code", "message", "field"}`. Lists are paged: pass the `next_token` of a
response to get the next page. Unless the daemon has no `api.tokens`, every route except
`/`, `/health`, `/metrics`, `/docs` and `/openapi.json` needs `Authorization: Bearer <token>`;
a token's role (`viewer`, `operator`, `admin`) and job limits decide what it may do, and a
refusal is 403 `AccessDenied` naming what was missing. Every change is in `GET /audit`.
Every request that changes state sends `Content-Type: application/json` (with a JSON body or
none), and none from a web page of another origin is accepted; the `Host` header must name
the daemon (`api.allowed_hosts`); bodies larger than `api.max_body_bytes` are refused (413).
"""

_INVALID_INPUT = {
    "description": "InvalidInput",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}},
}


def create_app(
    services: ApiServices,
    api: ApiSettings,
    *,
    version: str,
    metrics_exposition: Callable[[], bytes] | None = None,
    metrics_auth: bool = False,
    console: APIRouter | None = None,
    glue: GlueApiSettings | None = None,
    run_credentials: RunCredentials | None = None,
) -> FastAPI:
    """The API app. ``services`` is read per request, so ``accepting_runs`` may change live.

    With ``metrics_exposition``, ``/metrics`` serves what it renders, unauthenticated like
    any scrape target unless ``metrics_auth`` (then it needs a bearer token like the rest).

    With ``console`` (stoker.web's router), its routes are served under its prefix without a
    token (they serve the page that asks for one; the data behind it stays protected), and a
    browser that asks ``/`` for HTML is sent there.

    With ``glue`` (enabled), Glue's own API is served at ``glue.path`` (stoker.api.glue),
    over the same services, authenticated by SigV4 instead of bearer tokens; the keys of
    ``run_credentials`` (the live runs') are accepted there, and nowhere else.

    The daemon checks ``check_bind_allowed(api)`` before it binds ``api.host:api.port``.
    """
    app = FastAPI(
        title="stoker",
        version=version,
        description=DESCRIPTION,
        docs_url="/docs",
        openapi_url="/openapi.json",
        redoc_url=None,
    )
    app.state.services = services
    app.state.console_url = None
    #: The open run streams; the daemon ends them (close_streams) before it stops serving.
    app.state.run_streams = RunStreams()
    install_error_handlers(app)
    app.include_router(index.router)
    app.include_router(health.router)
    protected = [Security(documented), AUTHORIZE]
    public = PUBLIC_PATHS
    if metrics_exposition is not None:
        app.state.metrics_exposition = metrics_exposition
        app.include_router(metrics.router, dependencies=protected if metrics_auth else [])
        public = public if metrics_auth else public | {"/metrics"}
    unauthorized: dict[int | str, dict[str, Any]] = {
        401: {"model": ErrorOut},
        403: {"model": ErrorOut, "description": "AccessDenied: the token's role or job limits"},
    }
    for router in (
        generate.router,
        jobs.router,
        stream.router,  # before runs.router: /runs/stream is not a run id
        runs.router,
        run_metrics.router,
        events.router,
        triggers.router,
        definitions.router,
        bookmarks.router,
        catalog.router,
        scripts.router,
        sessions.router,
        roles.router,
        keys.router,
        security_configs.router,
        cluster.router,
        audit.router,
    ):
        app.include_router(router, dependencies=protected, responses=unauthorized)
    public_prefixes: tuple[str, ...] = ()
    if console is not None:
        app.include_router(console)
        app.state.console_url = f"{console.prefix}/"
        public = public | {console.prefix}
        public_prefixes = (f"{console.prefix}/",)
    delegated = None
    if glue is not None and glue.enabled:
        app.include_router(glue_router(glue, tokens_required=bool(api.tokens),
                                       run_credentials=run_credentials))  # fmt: skip
        delegated = glue.path
    #: What needs no access rule (check_rules): the public paths and the Glue endpoint's.
    app.state.unguarded = (public | ({delegated} if delegated else set()), public_prefixes)
    _document_errors_as_400(app)
    hosts = allowed_hosts(api.host, api.port, api.allowed_hosts)
    app.add_middleware(Guard, api=api, hosts=hosts, public=public,
                       public_prefixes=public_prefixes, delegated=delegated)  # fmt: skip
    return app


def close_streams(app: FastAPI) -> None:
    """End the app's open run streams and refuse new ones: the server is about to stop."""
    streams: RunStreams = app.state.run_streams
    streams.close()


def create_metrics_app(
    exposition: Callable[[], bytes], api: ApiSettings, *, auth: bool, host: str, port: int
) -> FastAPI:
    """Only ``/metrics``, for serving it on a port of its own (``metrics.port`` on ``host``),
    behind the same guard as the API (its Host names, on this port)."""
    app = FastAPI(title="stoker metrics", docs_url=None, openapi_url=None, redoc_url=None)
    install_error_handlers(app)
    app.state.metrics_exposition = exposition
    app.include_router(metrics.router)
    hosts = allowed_hosts(host, port, api.allowed_hosts)
    public = frozenset() if auth else frozenset({"/metrics"})
    app.add_middleware(Guard, api=api, hosts=hosts, public=public)
    return app


def _document_errors_as_400(app: FastAPI) -> None:
    """Request validation errors are answered 400 {code,message,field}, not FastAPI's 422."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            for path in schema.get("paths", {}).values():
                for operation in path.values():
                    responses = operation.get("responses", {})
                    if responses.pop("422", None) is not None:
                        responses.setdefault("400", _INVALID_INPUT)
            components = schema.get("components", {}).get("schemas", {})
            for name in ("HTTPValidationError", "ValidationError"):
                components.pop(name, None)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
