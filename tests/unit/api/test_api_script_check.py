"""POST /scripts/check: a script's Python syntax, parsed and never run."""

from __future__ import annotations

import httpx
import pytest

from stoker.domain.limits import MAX_SCRIPT_BYTES


def test_check_ok(client: httpx.Client) -> None:
    resp = client.post("/scripts/check", json={"script": "import sys\nprint(sys.argv)\n"})
    assert resp.status_code == 200
    assert resp.json() == {"ok": True}


@pytest.mark.parametrize(
    ("script", "line", "column"),
    [
        ("x = 1\ndef f(:\n    pass\n", 2, 7),
        ("x = 1\n\n  y = 2\n", 3, 2),  # where Python's parser puts it
        ("a = 1\nb = 'x\x00'\n", 2, 7),
    ],
)
def test_check_points_at_the_error(
    client: httpx.Client, script: str, line: int, column: int
) -> None:
    resp = client.post("/scripts/check", json={"script": script})
    assert resp.status_code == 200, resp.text
    out = resp.json()
    assert out["ok"] is False and out["message"]
    assert (out["line"], out["column"]) == (line, column)


def test_check_refuses_a_lone_surrogate_as_saving_would(client: httpx.Client) -> None:
    # JSON can carry one (an escape); no UTF-8 file can, so the script could not be saved.
    raw = '{"script": "a = 1\\nb = \'\\ud800\'\\n"}'
    resp = client.post("/scripts/check", content=raw, headers={"Content-Type": "application/json"})
    assert resp.status_code == 400, resp.text
    assert resp.json()["field"] == "script" and "line 2" in resp.json()["message"]


def test_check_never_runs_the_script(client: httpx.Client) -> None:
    resp = client.post("/scripts/check", json={"script": "raise SystemExit(3)\n"})
    assert resp.json() == {"ok": True}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "script"),
        ({"script": 3}, "script"),
        ({"script": "x" * (MAX_SCRIPT_BYTES + 1)}, "script"),
    ],
)
def test_check_bad_input(client: httpx.Client, body: dict[str, object], field: str) -> None:
    resp = client.post("/scripts/check", json=body)
    assert resp.status_code == 400, resp.text
    assert resp.json()["code"] == "InvalidInput" and resp.json()["field"] == field


@pytest.mark.parametrize(
    "script",
    ["-" * 200_000 + "1", "a" + ".b" * 300_000, "f" + "()" * 100_000],
    ids=["unary-200k", "attributes-300k", "calls-100k"],
)
def test_nesting_past_the_parsers_limits_is_an_error_not_a_server_fault(
    client: httpx.Client, script: str
) -> None:
    resp = client.post("/scripts/check", json={"script": script})
    assert resp.status_code == 200, resp.text
    out = resp.json()
    assert out["ok"] is False and "too deeply nested" in out["message"]
    assert client.post("/scripts/check", json={"script": "x = 1\n"}).json() == {"ok": True}
