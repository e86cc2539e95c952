"""Serving the console: its page for every /console/... route, its assets under a content hash.

Every asset lives under ``/console/assets/<hash>/``, where the hash covers all of them, so a
browser may keep them forever (``immutable``) and a changed file gets a new URL; the ES modules
import each other by relative URL, so they stay under the same hash. The page itself is
revalidated on every load (``no-cache`` with an ETag) and names the current hash. Nothing is
loaded from anywhere but the daemon: the Content-Security-Policy allows only 'self'.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib import resources
from typing import Annotated

from fastapi import APIRouter, Header, Response
from fastapi.responses import RedirectResponse

#: Where the console lives; ``/`` sends a browser here.
CONSOLE_PATH = "/console"

_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".html": "text/html; charset=utf-8",
}
#: No inline script or style, no other origin, no framing, no form posts, no plugins.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)
_SECURITY = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}
_IMMUTABLE = "public, max-age=31536000, immutable"


@dataclass(frozen=True)
class _Asset:
    body: bytes
    media_type: str


def _load_assets() -> dict[str, _Asset]:
    """Every file of ``assets/`` by its path there ("pages/jobs.js"), read once at start."""
    found: dict[str, _Asset] = {}
    root = resources.files(__package__).joinpath("assets")

    def walk(folder: resources.abc.Traversable, prefix: str) -> None:
        for entry in folder.iterdir():
            if entry.is_dir():
                walk(entry, f"{prefix}{entry.name}/")
                continue
            suffix = entry.name[entry.name.rfind(".") :]
            if suffix in _TYPES:
                found[prefix + entry.name] = _Asset(entry.read_bytes(), _TYPES[suffix])

    walk(root, "")
    return found


def console_router() -> APIRouter:
    """The routes under CONSOLE_PATH; they need no token (the page asks for one itself)."""
    assets = _load_assets()
    page_template = assets.pop("index.html").body
    digest = hashlib.sha256()
    for name in sorted(assets):
        digest.update(name.encode() + b"\0" + assets[name].body + b"\0")
    version = digest.hexdigest()[:16]
    base = f"{CONSOLE_PATH}/assets/{version}/"
    # Every module is fetched at once instead of import by import (four round trips deep),
    # the shared ones (api.js, ui.js) before the pages', which each view imports on demand.
    preload = "\n".join(
        f'<link rel="modulepreload" href="{base}{name}">'
        for name in sorted(assets, key=lambda n: (n.count("/"), n))
        if name.endswith(".js") and name not in ("app.js", "early.js")
    )
    page = page_template.replace(b"{{preload}}", preload.encode())
    page = page.replace(b"{{assets}}", base.encode())
    page_etag = '"' + hashlib.sha256(page).hexdigest()[:16] + '"'
    router = APIRouter(prefix=CONSOLE_PATH, include_in_schema=False)

    @router.get("")
    async def console_root() -> RedirectResponse:
        return RedirectResponse(f"{CONSOLE_PATH}/", status_code=308)

    @router.get("/assets/{asset_version}/{name:path}")
    async def asset(asset_version: str, name: str) -> Response:
        found = assets.get(name)
        if found is None or asset_version != version:
            return Response(
                b"no such console asset (reload the page)\n",
                status_code=404,
                media_type="text/plain; charset=utf-8",
                headers={**_SECURITY, "Cache-Control": "no-store"},
            )
        return Response(
            found.body,
            media_type=found.media_type,
            headers={**_SECURITY, "Cache-Control": _IMMUTABLE},
        )

    @router.get("/{route:path}")
    async def console_page(
        route: str, if_none_match: Annotated[str | None, Header()] = None
    ) -> Response:
        """The same page for every console route: the ES modules pick the view."""
        headers = {**_SECURITY, "Cache-Control": "no-cache", "ETag": page_etag}
        if if_none_match == page_etag:
            return Response(status_code=304, headers=headers)
        return Response(page, media_type=_TYPES[".html"], headers=headers)

    return router
