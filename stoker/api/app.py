"""Building the FastAPI application over the services the daemon wires up."""

from __future__ import annotations

from fastapi import Depends, FastAPI

from stoker.api.auth import bearer_auth
from stoker.api.errors import install_error_handlers
from stoker.api.ports import ApiServices
from stoker.api.routes import events, health, jobs, runs
from stoker.config.settings import ApiSettings

DESCRIPTION = """\
stoker runs Spark ETL jobs with AWS Glue's job semantics.

Errors are JSON `{"code", "message", "field"}`. Lists are paged: pass the `next_token` of a
response to get the next page. Unless the daemon has no `api.tokens`, every route but
`/health` needs `Authorization: Bearer <token>`.
"""


def create_app(services: ApiServices, api: ApiSettings, *, version: str) -> FastAPI:
    """The API app. ``services`` is read per request, so ``accepting_runs`` may change live.

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
    install_error_handlers(app)
    app.include_router(health.router)
    protected = [Depends(bearer_auth(api))]
    for router in (jobs.router, runs.router, events.router):
        app.include_router(router, dependencies=protected)
    return app
