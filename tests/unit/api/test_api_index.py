"""GET /: the API's index names the documentation and the collections, and each link works."""

from __future__ import annotations

import httpx
from pydantic import SecretStr

from stoker.api.app import create_app
from stoker.config.settings import ApiSettings
from tests.unit.api.asgi import asgi_client
from tests.unit.api.fakes import FakeServices


def test_index_links_to_the_docs_and_every_collection(client: httpx.Client) -> None:
    response = client.get("/")
    assert response.status_code == 200
    index = response.json()
    assert index["name"] == "stoker" and index["version"] == "9.9.9"
    assert index["description"] == "stoker runs Spark ETL jobs with AWS Glue's job semantics."
    assert index["links"] == {
        "docs": "/docs",
        "openapi": "/openapi.json",
        "health": "/health",
        "metrics": None,
    }
    assert index["resources"] == {
        "jobs": "/jobs",
        "runs": "/runs",
        "triggers": "/triggers",
        "events": "/events",
    }
    for link in [*index["resources"].values(), "/docs", "/openapi.json", "/health"]:
        assert client.get(link).status_code == 200, link
    assert "/" in client.get("/openapi.json").json()["paths"]


def test_index_links_metrics_when_this_port_serves_them(services: FakeServices) -> None:
    app = create_app(
        services, ApiSettings(), version="1", metrics_exposition=lambda: b"stoker_up 1\n"
    )
    with asgi_client(app) as client:
        link = client.get("/").json()["links"]["metrics"]
        assert link == "/metrics"
        assert client.get(link).text == "stoker_up 1\n"


def test_index_needs_no_token_where_the_collections_do(services: FakeServices) -> None:
    api = ApiSettings(tokens=[SecretStr("s3cret")])
    with asgi_client(create_app(services, api, version="1")) as client:
        assert client.get("/").status_code == 200
        jobs = client.get(client.get("/").json()["resources"]["jobs"])
        assert jobs.status_code == 401 and jobs.json()["code"] == "Unauthorized"
