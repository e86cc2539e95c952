"""The HTTP boundary (issue 10): Host and Origin checks, JSON-only state changes, tokens and
the body size limit, all decided before the body is read."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from stoker.api.app import create_app
from stoker.api.guard import allowed_hosts, split_host
from stoker.config.settings import ApiSettings
from tests.unit.api.asgi import BASE_URL, SyncASGITransport
from tests.unit.api.fakes import FakeServices, make_job


def bare_client(services: FakeServices, **api: Any) -> httpx.Client:
    """A client that sends only the headers each test gives (no default Content-Type)."""
    transport = SyncASGITransport(create_app(services, ApiSettings(**api), version="1"))
    return httpx.Client(transport=transport, base_url=BASE_URL)


@pytest.fixture
def bare(services: FakeServices) -> httpx.Client:
    services.jobs.jobs["etl"] = make_job()
    return bare_client(services)


def error(response: httpx.Response) -> tuple[int, str, str | None]:
    body = response.json()
    return response.status_code, body["code"], body["field"]


@pytest.mark.parametrize(
    ("value", "parsed"),
    [
        ("LocalHost:8421", ("localhost", 8421)),
        ("127.0.0.1", ("127.0.0.1", 80)),
        ("[::1]:8421", ("::1", 8421)),
        ("::1", ("::1", 80)),
        ("evil.example:99999", None),
        ("[::1", None),
        ("[::1]x", None),
        (":8421", None),
        ("host:12ab", None),
        ("", None),
    ],
)
def test_split_host(value: str, parsed: tuple[str, int] | None) -> None:
    assert split_host(value, 80) == parsed


def test_default_hosts_are_the_api_address_and_loopback_names() -> None:
    hosts = allowed_hosts("127.0.0.1", 8421, None)
    assert hosts.allows("localhost", 8421) and hosts.allows("::1", 8421)
    assert not hosts.allows("localhost", 8422) and not hosts.allows("evil.example", 8421)
    configured = allowed_hosts("0.0.0.0", 8421, ["stoker.corp", "proxy.corp:443"])
    assert configured.allows("stoker.corp", 8421) and configured.allows("proxy.corp", 443)
    assert not configured.allows("localhost", 8421)  # configured replaces the defaults


@pytest.mark.parametrize("host", ["evil.example:8421", "127.0.0.1:9999", "localhost.evil:8421"])
def test_a_foreign_host_is_refused_dns_rebinding(bare: httpx.Client, host: str) -> None:
    response = bare.get("/jobs", headers={"Host": host})
    assert error(response) == (403, "Forbidden", "Host")
    assert "api.allowed_hosts" in response.json()["message"]


@pytest.mark.parametrize("host", ["127.0.0.1:8421", "localhost:8421", "[::1]:8421"])
def test_loopback_names_are_served(bare: httpx.Client, host: str) -> None:
    assert bare.get("/jobs", headers={"Host": host}).status_code == 200


def test_configured_host_names_are_served(services: FakeServices) -> None:
    with bare_client(services, allowed_hosts=["stoker.corp"]) as client:
        assert client.get("/jobs", headers={"Host": "stoker.corp:8421"}).status_code == 200
        assert client.get("/jobs").status_code == 403


@pytest.mark.parametrize(
    "headers",
    [
        # An HTML form on another site: no preflight, the browser sends it as is.
        {"Content-Type": "application/x-www-form-urlencoded", "Origin": "http://evil.example"},
        {"Content-Type": "application/json", "Origin": "http://evil.example"},
        {"Content-Type": "application/json", "Origin": "null"},
        {"Content-Type": "application/json", "Origin": "http://127.0.0.1:9999"},
    ],
)
def test_state_changes_from_another_origin_are_refused(
    bare: httpx.Client, services: FakeServices, headers: dict[str, str]
) -> None:
    response = bare.post("/jobs/etl/runs", content=b"{}", headers=headers)
    assert error(response) == (403, "Forbidden", "Origin")
    assert services.runs.runs == {}


def test_the_daemons_own_origin_may_change_state(bare: httpx.Client) -> None:
    """What the web console will send from the daemon's own port."""
    headers = {"Content-Type": "application/json", "Origin": "http://127.0.0.1:8421"}
    assert bare.post("/jobs/etl/runs", content=b"{}", headers=headers).status_code == 201


@pytest.mark.parametrize(
    "content_type", [None, "text/plain", "multipart/form-data; boundary=x", "application/xml"]
)
def test_state_changes_must_send_json(
    bare: httpx.Client, services: FakeServices, content_type: str | None
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    secret = b'{"arguments": {"--password": "hunter2"}}'
    response = bare.post("/jobs/etl/runs", content=secret, headers=headers)
    assert error(response) == (415, "UnsupportedMediaType", "Content-Type")
    assert b"hunter2" not in response.content  # the body is never echoed
    assert services.runs.runs == {}
    deleted = bare.delete("/jobs/etl", headers=headers)
    assert deleted.status_code == 415 and "etl" in services.jobs.jobs


def test_json_with_a_charset_and_no_body_is_accepted(bare: httpx.Client) -> None:
    headers = {"Content-Type": "application/json; charset=utf-8"}
    assert bare.delete("/jobs/etl", headers=headers).status_code == 204


def test_reads_need_no_content_type(bare: httpx.Client) -> None:
    assert bare.get("/jobs").status_code == 200
    assert bare.get("/health", headers={"Origin": "http://evil.example"}).status_code == 200


def test_a_declared_oversized_body_is_refused_before_it_is_read(bare: httpx.Client) -> None:
    limit = ApiSettings().max_body_bytes
    body = b'{"arguments": {"--x": "' + b"a" * limit + b'"}}'
    json_type = {"Content-Type": "application/json"}
    response = bare.post("/jobs/etl/runs", content=body, headers=json_type)
    assert error(response) == (413, "PayloadTooLarge", "body")
    assert str(limit) in response.json()["message"]


def asgi_post(
    app: Any, chunks: list[bytes], headers: list[tuple[bytes, bytes]]
) -> tuple[int, bytes, int]:
    """POST a body in ``chunks`` (no Content-Length, as a chunked upload); returns the
    status, the response body and how many chunks the server asked for."""
    asked = 0
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal asked
        asked += 1
        if asked > len(chunks):
            return {"type": "http.disconnect"}
        return {"type": "http.request", "body": chunks[asked - 1], "more_body": asked < len(chunks)}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
        "scheme": "http", "path": "/jobs/etl/runs", "raw_path": b"/jobs/etl/runs",
        "query_string": b"", "root_path": "", "server": ("127.0.0.1", 8421),
        "client": ("127.0.0.1", 5000), "headers": [(b"host", b"127.0.0.1:8421"), *headers],
    }  # fmt: skip
    asyncio.run(app(scope, receive, send))
    starts = [m for m in sent if m["type"] == "http.response.start"]
    assert len(starts) == 1, sent  # one response, whatever the app tried after the refusal
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return starts[0]["status"], body, asked


def test_an_undeclared_oversized_body_is_refused_while_it_is_read(
    services: FakeServices,
) -> None:
    services.jobs.jobs["etl"] = make_job()
    app = create_app(services, ApiSettings(max_body_bytes=4096), version="1")
    chunks = [b'{"arguments": {"--x": "', *([b"a" * 1024] * 100), b'"}}']
    status, body, asked = asgi_post(app, chunks, [(b"content-type", b"application/json")])
    assert status == 413 and json.loads(body)["code"] == "PayloadTooLarge"
    assert asked <= 6  # stopped reading at the limit, not at the end of the body
    assert services.runs.runs == {}


def test_authentication_comes_before_the_body_is_read(services: FakeServices) -> None:
    services.jobs.jobs["etl"] = make_job()
    api = ApiSettings(tokens=[SecretStr("s3cret")])
    app = create_app(services, api, version="1")
    status, body, asked = asgi_post(
        app, [b"{}"], [(b"content-type", b"application/json"), (b"content-length", b"999999999")]
    )
    assert status == 401 and json.loads(body)["code"] == "Unauthorized"
    assert asked == 0  # not one byte of the body was read
    status, _, asked = asgi_post(
        app, [b"{}"], [(b"content-type", b"application/json"), (b"authorization", b"Bearer s3cret")]
    )
    assert status == 201 and asked >= 1


def test_tokens_guard_the_routes_even_before_content_type(services: FakeServices) -> None:
    with bare_client(services, tokens=[SecretStr("s3cret")]) as client:
        refused = client.post("/runs/x/stop")
        assert error(refused) == (401, "Unauthorized", None)
        assert refused.headers["www-authenticate"] == "Bearer"
        wrong = client.post("/runs/x/stop", headers={"Authorization": "Bearer s3cre"})
        assert wrong.status_code == 401 and "s3cre" not in wrong.text
        assert client.get("/health").status_code == 200
        assert client.get("/openapi.json").status_code == 200


def test_the_metrics_only_app_checks_host_on_its_own_port(services: FakeServices) -> None:
    from stoker.api.app import create_metrics_app

    app = create_metrics_app(lambda: b"up 1\n", ApiSettings(), auth=False, host="127.0.0.1",
                             port=9100)  # fmt: skip
    transport = SyncASGITransport(app)
    with httpx.Client(transport=transport, base_url="http://127.0.0.1:9100") as scraper:
        assert scraper.get("/metrics").text == "up 1\n"
        rebound = scraper.get("/metrics", headers={"Host": "evil.example:9100"})
        assert error(rebound) == (403, "Forbidden", "Host")


def test_a_websocket_from_another_origin_is_refused_before_the_handshake(
    services: FakeServices,
) -> None:
    """No route takes WebSockets yet; a console that adds one gets the same checks."""
    app = create_app(services, ApiSettings(), version="1")
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "websocket.connect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "websocket", "asgi": {"version": "3.0"}, "http_version": "1.1", "scheme": "ws",
        "path": "/events", "raw_path": b"/events", "query_string": b"", "root_path": "",
        "server": ("127.0.0.1", 8421), "client": ("127.0.0.1", 5000), "subprotocols": [],
        "headers": [(b"host", b"127.0.0.1:8421"), (b"origin", b"http://evil.example")],
    }  # fmt: skip
    asyncio.run(app(scope, receive, send))
    assert sent == [{"type": "websocket.close", "code": 1008, "reason": "Forbidden"}]


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/triggers/x%00", "path"),
        ("/jobs/etl%00/bookmark", "path"),
        ("/jobs?name=%25%00", "query"),
        ("/runs?trigger=x%00&limit=5", "query"),
        ("/runs?job=x%00", "query"),
    ],
)
def test_a_nul_in_the_path_or_query_is_refused_before_any_route(
    bare: httpx.Client, url: str, field: str
) -> None:
    # PostgreSQL cannot hold a NUL in text: a route reaching the store with one answered 500.
    assert error(bare.get(url)) == (400, "InvalidInput", field)
    assert bare.get("/jobs?name=et").status_code == 200
