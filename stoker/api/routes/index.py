"""The API's front door: GET / lists where everything is, so a person never meets a 404 first."""

from __future__ import annotations

from fastapi import APIRouter, Request

from stoker.api.schemas.index import IndexOut, LinksOut, ResourcesOut

router = APIRouter(tags=["index"])


@router.get("/")
async def index(request: Request) -> IndexOut:
    """The version, the documentation, and the resource collections (unauthenticated, like
    /health: it names only what the OpenAPI document already shows)."""
    app = request.app
    serves_metrics = getattr(app.state, "metrics_exposition", None) is not None
    return IndexOut(
        version=app.version,
        description=app.description.split("\n", 1)[0],
        links=LinksOut(
            docs=app.docs_url,
            openapi=app.openapi_url,
            health="/health",
            metrics="/metrics" if serves_metrics else None,
        ),
        resources=ResourcesOut(jobs="/jobs", runs="/runs", triggers="/triggers", events="/events"),
    )
