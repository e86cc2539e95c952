"""The console's files through the API app: / for a browser, assets with their headers, and
the guard's checks unchanged for them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from stoker.api.app import create_app
from stoker.api.routes.index import prefers_html
from stoker.config.settings import ApiSettings
from stoker.web import console_router
from tests.unit.api.asgi import asgi_client
from tests.unit.api.fakes import FakeServices

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.fixture
def console(tmp_path: Path) -> Iterator[httpx.Client]:
    api = ApiSettings(tokens=[SecretStr("s3cret")])
    app = create_app(FakeServices(tmp_path), api, version="1", console=console_router())
    with asgi_client(app) as client:
        yield client


def asset_urls(page: str) -> list[str]:
    return re.findall(r'(?:src|href)="(/console/assets/[^"]+)"', page)


def test_a_browser_at_slash_is_sent_to_the_console(console: httpx.Client) -> None:
    response = console.get("/", headers={"Accept": BROWSER})
    assert response.status_code == 303 and response.headers["location"] == "/console/"


@pytest.mark.parametrize("accept", ["application/json", "*/*", "", "text/html;q=0.1, */*"])
def test_everything_else_at_slash_gets_the_json_index(console: httpx.Client, accept: str) -> None:
    response = console.get("/", headers={"Accept": accept})
    assert response.status_code == 200 and response.json()["name"] == "stoker"


def test_the_accept_rules() -> None:
    assert prefers_html(BROWSER)
    assert prefers_html("text/html")
    assert not prefers_html("application/json, text/html;q=0.5")
    assert not prefers_html("*/*")


def test_every_console_route_is_the_page_with_a_strict_policy(console: httpx.Client) -> None:
    for path in ("/console/", "/console/jobs", "/console/jobs/orders/history"):
        response = console.get(path)  # no token: the page asks for it
        assert response.status_code == 200, path
        assert response.headers["content-type"] == "text/html; charset=utf-8"
        assert response.headers["cache-control"] == "no-cache"
        csp = response.headers["content-security-policy"]
        assert "default-src 'none'" in csp and "script-src 'self'" in csp
        assert "unsafe-inline" not in csp and "http" not in csp
        assert response.headers["x-content-type-options"] == "nosniff"
    again = console.get("/console/", headers={"If-None-Match": response.headers["etag"]})
    assert again.status_code == 304


def test_assets_are_immutable_under_their_hash(console: httpx.Client) -> None:
    page = console.get("/console/").text
    urls = asset_urls(page)
    assert {u.rsplit("/", 1)[1] for u in urls} >= {"app.js", "style.css", "icon.svg"}
    # Every module is preloaded from the page, not discovered import by import.
    assert any(u.endswith("/pages/jobs.js") for u in urls) and 'rel="modulepreload"' in page
    types = {"js": "text/javascript", "css": "text/css", "svg": "image/svg+xml"}
    for url in urls:
        response = console.get(url)
        assert response.status_code == 200, url
        assert response.headers["content-type"].startswith(types[url.rsplit(".", 1)[1]])
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    stale = re.sub(r"/assets/[0-9a-f]+/", "/assets/0000000000000000/", urls[0])
    assert console.get(stale).status_code == 404
    base = urls[0].rsplit("/", 1)[0]
    assert console.get(f"{base}/index.html").status_code == 404  # the page only by its route
    assert console.get(f"{base}/%2e%2e/%2e%2e/console.py").status_code == 404


def test_no_asset_comes_from_elsewhere() -> None:
    assets = Path(__file__).resolve().parents[3] / "stoker" / "web" / "assets"
    for path in assets.rglob("*"):
        if path.is_file():
            text = path.read_text()
            assert not re.search(r"https?://(?!www\.w3\.org/2000/svg)", text), path


def test_the_console_keeps_the_guard(console: httpx.Client) -> None:
    foreign = console.get("/console/", headers={"Host": "evil.example"})
    assert foreign.status_code == 403 and foreign.json()["field"] == "Host"
    assert console.get("/jobs").status_code == 401
    cross = console.post(
        "/jobs", headers={"Origin": "http://evil.example", "Authorization": "Bearer s3cret"}
    )
    assert cross.status_code == 403 and cross.json()["field"] == "Origin"
    form = console.post(
        "/jobs",
        content=b"a=1",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Authorization": "Bearer s3cret",
        },
    )
    assert form.status_code == 415


def test_without_a_console_slash_is_always_json(tmp_path: Path) -> None:
    with asgi_client(create_app(FakeServices(tmp_path), ApiSettings(), version="1")) as client:
        assert client.get("/", headers={"Accept": BROWSER}).json()["name"] == "stoker"
        assert client.get("/console/").status_code == 404
