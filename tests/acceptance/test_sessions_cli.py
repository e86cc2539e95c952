"""`stoker sessions` against a live daemon: a development endpoint with a job's properties,
statements and their exit codes, the HTTP API's waiting statement, and a session left open
by a daemon killed with -9 ending FAILED at the next start, one open at a clean shutdown
STOPPED."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from tests.acceptance.conftest import ok, ok_json, stoker
from tests.support.daemon import DaemonProcess

pytestmark = pytest.mark.spark


def test_a_session_with_a_jobs_properties_over_the_cli_and_http(
    start_daemon: Callable[..., DaemonProcess],
) -> None:
    daemon = start_daemon("cli", pool_size=1)
    daemon.create_job("orders_etl", "print('x')", default_arguments={"--day": "mon"},
                      spark_conf={"spark.sql.shuffle.partitions": "7"})  # fmt: skip

    created = ok_json(stoker("sessions", "create", "dev", "--job", "orders_etl",
                             "--arg", "region=eu", "-o", "json", daemon=daemon))  # fmt: skip
    assert created["state"] == "READY" and created["job_name"] == "orders_etl"
    assert created["default_arguments"] == {"--day": "mon", "--region": "eu"}

    shown = ok(stoker("sessions", "run", "dev", "-c",
                      "print(args['day'], args['region'])\n"
                      "spark.conf.get('spark.sql.shuffle.partitions')", daemon=daemon))  # fmt: skip
    assert shown.splitlines() == ["mon eu", "'7'"]
    ok(stoker("sessions", "run", "dev", "-c", "df = spark.range(5)", daemon=daemon))
    assert ok(stoker("sessions", "run", "dev", "-c", "df.count()", daemon=daemon)) == "5\n"

    failed = stoker("sessions", "run", "dev", "-c", "raise ValueError('bad row')", daemon=daemon)
    assert failed.returncode == 1
    assert "ValueError: bad row" in failed.stderr and "<statement" in failed.stderr

    # The HTTP API: a statement answered once it has ended.
    answer = daemon.http.post("/sessions/dev/statements", json={"code": "6*7", "wait": 30})
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert (body["state"], body["status"], body["output"]) == ("AVAILABLE", "ok", "42\n")
    statements = daemon.http.get("/sessions/dev/statements").json()["statements"]
    assert [s["id"] for s in statements] == [0, 1, 2, 3, 4]

    listed = ok(stoker("sessions", "list", daemon=daemon))
    assert "dev" in listed and "READY" in listed
    refused = stoker("sessions", "create", "second", daemon=daemon)
    assert refused.returncode == 4 and "SessionLimitExceeded" in refused.stderr

    assert ok_json(stoker("sessions", "stop", "dev", "-o", "json",
                          daemon=daemon))["state"] == "STOPPED"  # fmt: skip
    late = stoker("sessions", "run", "dev", "-c", "1", daemon=daemon)
    assert late.returncode == 4 and "IllegalSessionState" in late.stderr
    ok(stoker("sessions", "delete", "dev", daemon=daemon))
    assert stoker("sessions", "get", "dev", daemon=daemon).returncode == 3


def test_sessions_end_with_the_daemon_stopped_or_failed(
    start_daemon: Callable[..., DaemonProcess],
) -> None:
    first = start_daemon("restart", pool_size=1)
    ok(stoker("sessions", "create", "open", daemon=first))
    first.kill9()
    again = start_daemon("restart", pool_size=1)
    session = ok_json(stoker("sessions", "get", "open", "-o", "json", daemon=again))
    assert session["state"] == "FAILED"
    assert "daemon stopped while the session was open" in session["error_message"]
    assert session["completed_on"] is not None
    assert json.loads(ok(stoker("sessions", "list", "-o", "json", daemon=again)))[0]["id"] == (
        "open")  # fmt: skip

    # A daemon stopped in order stops its sessions first, and says why.
    ok(stoker("sessions", "create", "graceful", daemon=again))
    again.stop()
    last = start_daemon("restart", pool_size=1)
    session = ok_json(stoker("sessions", "get", "graceful", "-o", "json", daemon=last))
    assert (session["state"], session["error_message"]) == ("STOPPED", "the daemon shut down")
