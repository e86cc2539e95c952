"""Bad requests against a real daemon (issue 10): each gets its status, the error's ``code``
and ``field``, and leaves every table and the export exactly as they were."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from tests.acceptance.bad_input import OK_JOB, OK_TRIGGER, daemon, deep, snapshot
from tests.acceptance.conftest import PYSHELL
from tests.support.daemon import DaemonProcess

__all__ = ["daemon"]  # the module's daemon fixture
HUGE = b"9" * 5000  # an integer no field takes; its repr raised inside error messages
BAD = 400, "InvalidInput"


@dataclass(frozen=True)
class Call:
    """One request: ``body`` is sent as JSON, ``raw`` as is (for what JSON cannot say)."""

    method: str
    path: str
    body: Any = None
    raw: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)


def job(**changes: Any) -> Call:
    return Call("POST", "/jobs", {**OK_JOB, "name": "j", **changes})


def located(location: str) -> Call:
    return Call("POST", "/jobs", {"name": "j", "command": {**PYSHELL, "script_location": location}})


def trigger(**changes: Any) -> Call:
    return Call("POST", "/triggers", {**OK_TRIGGER, **changes})


def on_event(**event: Any) -> dict[str, Any]:
    return {"name": "on-orders", "type": "EVENT", "actions": [{"job_name": "etl"}],
            "event": {"topic": "orders", "pattern": {"k": ["v"]}, **event}}


def raw(path: str, body: bytes, method: str = "POST") -> Call:
    return Call(method, path, raw=body)


NAN_PATTERN = json.dumps(on_event(pattern={"n": [{"numeric": [">", float("nan")]}]})).encode()
BIG_BATCH = json.dumps(on_event(batch_size=0)).replace('"batch_size": 0',
                                                     '"batch_size": ' + "9" * 40)
BAD_APPLY = {"jobs": [{**OK_JOB, "name": "new-job"}],
             "triggers": [OK_TRIGGER, {**OK_TRIGGER, "name": "t2", "schedule": "rate(0 days)"}]}
#: A runs page token whose sequence number has 23 digits.
HUGE_TOKEN = "eyJrIjoicnVucyIsInYiOjk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5fQ"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}

# fmt: off
CASES: list[tuple[str, Call, tuple[int, str], str | None]] = [
    # -- jobs
    ("name ends in a newline", job(name="etl2\n"), BAD, "name"),
    ("name too long", job(name="a" * 256), BAD, "name"),
    ("description too long", job(description="d" * 3000), BAD, "description"),
    ("description with a NUL", job(description="a\x00"), BAD, "description"),
    ("too many tags", job(tags={f"t{i}": "v" for i in range(51)}), BAD, "tags"),
    ("tag value too long", job(tags={"team": "x" * 300}), BAD, "tags.team"),
    ("spark_conf key with a space", job(spark_conf={"spark x": "1"}), BAD, "spark_conf"),
    ("spark_conf value too long", job(spark_conf={"spark.x": "v" * 5000}), BAD,
     "spark_conf.spark.x"),
    ("too many spark_conf entries", job(spark_conf={f"spark.k{i}": "1" for i in range(201)}),
     BAD, "spark_conf"),
    ("argument key without --", job(default_arguments={"day": "1"}), BAD,
     "default_arguments.day"),
    ("argument value with a NUL", job(default_arguments={"--day": "1\x00"}), BAD,
     "default_arguments.--day"),
    # Refused while FastAPI decodes the body: no field is known yet.
    ("a 5000-digit timeout", raw("/jobs", b'{"name": "j", "script": "", "timeout": ' + HUGE + b"}"),
     BAD, None),
    ("timeout out of range", job(timeout=10080), BAD, "timeout"),
    ("infinite timeout", raw("/jobs", b'{"name": "j", "script": "", "timeout": Infinity}'), BAD,
     "timeout"),
    ("script outside the roots", located("/etc/passwd"), BAD, "command.script_location"),
    ("relative script path", located("etl.py"), BAD, "command.script_location"),
    ("script location too long", located("/" + "a" * 5000), BAD, "command.script_location"),
    ("memory with 20 digits", job(resources={"driver_memory": "9" * 20 + "g"}), BAD,
     "resources.driver_memory"),
    ("unknown executor", job(executor="cluster"), BAD, "executor"),
    ("unknown field", job(colour="red"), BAD, "colour"),
    ("not an object", Call("POST", "/jobs", ["etl"]), BAD, None),
    ("malformed JSON", raw("/jobs", b'{"name": '), BAD, None),
    ("job exists", Call("POST", "/jobs", OK_JOB), (409, "AlreadyExists"), "name"),
    ("rename by PUT", Call("PUT", "/jobs/etl", {**OK_JOB, "name": "other"}), BAD, "name"),
    ("a mask with no secret behind it",
     Call("POST", "/apply", {"jobs": [{**OK_JOB, "default_arguments": {"--pw": "****"}}]}), BAD,
     "jobs[0].default_arguments.--pw"),
    # -- runs
    ("run argument with a NUL", Call("POST", "/jobs/etl/runs", {"arguments": {"--day": "a\x00"}}),
     BAD, "arguments.--day"),
    ("run timeout of 5000 digits", raw("/jobs/etl/runs", b'{"timeout": ' + HUGE + b"}"), BAD, None),
    ("run timeout of 30 digits", raw("/jobs/etl/runs", b'{"timeout": ' + b"9" * 30 + b"}"), BAD,
     "timeout"),
    ("run timeout 0", Call("POST", "/jobs/etl/runs", {"timeout": 0}), BAD, "timeout"),
    ("run of no such job", Call("POST", "/jobs/nope/runs", {}), (404, "EntityNotFound"), "name"),
    ("log offset past any file", Call("GET", "/runs/jr_x/logs", params={"offset": 10**30}), BAD,
     "offset"),
    ("page token of a huge number", Call("GET", "/runs", params={"next_token": HUGE_TOKEN}), BAD,
     "next_token"),
    ("page size of 30 digits", Call("GET", "/jobs", params={"limit": 10**30}), BAD, "limit"),
    ("garbage page token", Call("GET", "/triggers", params={"next_token": "!!" * 3000}), BAD,
     "next_token"),
    # -- triggers
    ("rate whose next fire overflows", trigger(schedule="rate(5000000 days)"), BAD, "schedule"),
    ("schedule too long", trigger(schedule="cron(" + "1," * 200 + "1 * * * ? *)"), BAD, "schedule"),
    ("timezone of 5000 characters", trigger(timezone="a" * 5000), BAD, "timezone"),
    ("unknown timezone", trigger(timezone="Mars/Olympus"), BAD, "timezone"),
    ("trigger name ends in a newline", trigger(name="n\n"), BAD, "name"),
    ("eleven actions", trigger(actions=[{"job_name": "etl"}] * 11), BAD, "actions"),
    ("pattern nested 11 deep", Call("POST", "/triggers", on_event(pattern=deep(11))), BAD,
     "event.pattern" + ".a" * 10),
    ("pattern nested 255 deep", Call("POST", "/triggers", on_event(pattern=deep(255))), BAD,
     "event.pattern" + ".a" * 10),
    ("pattern too large", Call("POST", "/triggers", on_event(pattern={"k": ["v" * 100] * 200})),
     BAD, "event.pattern"),
    ("NaN in a pattern", raw("/triggers", NAN_PATTERN), BAD, "event.pattern.n[0].numeric"),
    ("batch size of 40 digits", raw("/triggers", BIG_BATCH.encode()), BAD, "event.batch_size"),
    ("bad topic", Call("POST", "/triggers", on_event(topic="bad topic")), BAD, "event.topic"),
    ("activate an ON_DEMAND trigger", Call("POST", "/triggers/kick/activate", {}), BAD, "type"),
    ("no such trigger", Call("POST", "/triggers/nope/deactivate", {}), (404, "EntityNotFound"),
     "name"),
    # -- definitions
    ("apply with one bad trigger", Call("POST", "/apply", BAD_APPLY), BAD, "triggers[1].schedule"),
    ("apply naming a job twice",
     Call("POST", "/apply", {"jobs": [{**OK_JOB, "name": "x"}, {**OK_JOB, "name": "x"}]}), BAD,
     "jobs[1].name"),
    # -- requests
    ("form post", Call("POST", "/jobs/etl/runs", raw=b"a=1", headers=FORM),
     (415, "UnsupportedMediaType"), "Content-Type"),
    ("text/plain body", Call("POST", "/jobs", raw=json.dumps(OK_JOB).encode(),
                             headers={"Content-Type": "text/plain"}),
     (415, "UnsupportedMediaType"), "Content-Type"),
    ("foreign origin", Call("POST", "/triggers/kick/start", {},
                            headers={"Origin": "http://evil.example"}), (403, "Forbidden"),
     "Origin"),
    ("foreign host", Call("DELETE", "/jobs/etl", headers={"Host": "evil.example"}),
     (403, "Forbidden"), "Host"),
    ("body over the limit", raw("/apply", b'{"x": "' + b"a" * (16 * 1024 * 1024) + b'"}'),
     (413, "PayloadTooLarge"), "body"),
    ("unknown route", Call("POST", "/jobz", {}), (404, "RouteNotFound"), None),
]
# fmt: on


def send(daemon: DaemonProcess, call: Call) -> httpx.Response:
    headers = {"Content-Type": "application/json", **call.headers}
    content = call.raw
    if content is None and call.body is not None:
        content = json.dumps(call.body).encode()
    with httpx.Client(base_url=daemon.url, timeout=60) as client:
        return client.request(call.method, call.path, content=content, headers=headers,
                              params=call.params)  # fmt: skip


@pytest.mark.parametrize(("name", "call", "status", "field"), CASES, ids=[c[0] for c in CASES])
def test_bad_request(daemon: DaemonProcess, name: str, call: Call, status: tuple[int, str],
                     field: str | None) -> None:  # fmt: skip
    before = snapshot(daemon)
    response = send(daemon, call)
    assert response.status_code == status[0], response.text[:500]
    error = response.json()
    assert (error["code"], error["field"]) == (status[1], field), error
    assert error["message"] and len(error["message"]) < 1000
    assert snapshot(daemon) == before
    assert daemon.proc is not None and daemon.proc.poll() is None
