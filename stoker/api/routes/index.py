"""The API's front door: GET / lists where everything is, so a person never meets a 404 first.

A browser navigating to ``/`` asks for HTML first; it is sent to the console when the daemon
serves one. Everything else (curl's ``*/*``, ``application/json``) gets the JSON index.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from stoker.api.schemas.index import IndexOut, LinksOut, ResourcesOut

router = APIRouter(tags=["index"])


@router.get("/", response_model=IndexOut, responses={303: {"description": "To the console"}})
async def index(request: Request) -> IndexOut | RedirectResponse:
    """The version, the documentation, and the resource collections (unauthenticated, like
    /health: it names only what the OpenAPI document already shows)."""
    app = request.app
    console: str | None = app.state.console_url
    if console is not None and prefers_html(request.headers.get("accept", "")):
        return RedirectResponse(console, status_code=303)
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


def _quality(accept: str, media: str) -> float:
    """The q of ``media`` in an Accept header: its own entry, else its type's ``x/*``, else
    ``*/*``, else 0."""
    wanted = (media, media.split("/", 1)[0] + "/*", "*/*")
    found: dict[str, float] = {}
    for entry in accept.split(","):
        name, *params = (part.strip() for part in entry.split(";"))
        q = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        found.setdefault(name.lower(), q)
    return next((found[w] for w in wanted if w in found), 0.0)


def prefers_html(accept: str) -> bool:
    """True when HTML is named (not only through ``*/*``) and liked more than JSON."""
    if "text/html" not in accept.lower():
        return False
    return _quality(accept, "text/html") > _quality(accept, "application/json")
