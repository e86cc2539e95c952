"""Bad input over the API and the CLI against one real daemon (issue 10): each case gets
its status (or exit code), the error's ``code`` and ``field``, and leaves the stored state
exactly as it was (every table of the database and the export, compared before and after).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.acceptance.conftest import PYSHELL, stoker
from tests.support.daemon import DaemonProcess

HUGE = "9" * 5000  # an integer no field takes; its repr raised inside error messages
OK_JOB = {"name": "etl", "script": "print('etl')\n", "command": PYSHELL}
OK_TRIGGER = {"name": "nightly", "type": "SCHEDULED", "schedule": "rate(1 day)",
              "actions": [{"job_name": "etl"}]}  # fmt: skip


def deep(depth: int) -> dict[str, Any]:
    pattern: dict[str, Any] = {"leaf": ["x"]}
    for _ in range(depth - 1):
        pattern = {"a": pattern}
    return pattern


def event_trigger(**event: Any) -> dict[str, Any]:
    base = {"topic": "orders", "pattern": {"k": ["v"]}}
    return {"name": "on-orders", "type": "EVENT", "actions": [{"job_name": "etl"}],
            "event": {**base, **event}}  # fmt: skip


@dataclass(frozen=True)
class Call:
    """One request: ``body`` is sent as JSON, ``raw`` as is (for what JSON cannot say)."""

    method: str
    path: str
    body: Any = None
    raw: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)


API_CASES: list[tuple[str, Call, int, str, str | None]] = [
    # -- jobs
    (
        "name ends in a newline",
        Call("POST", "/jobs", {**OK_JOB, "name": "etl2\n"}),
        400,
        "InvalidInput",
        "name",
    ),
    (
        "name too long",
        Call("POST", "/jobs", {**OK_JOB, "name": "a" * 256}),
        400,
        "InvalidInput",
        "name",
    ),
    (
        "description too long",
        Call("POST", "/jobs", {**OK_JOB, "name": "j", "description": "d" * 3000}),
        400,
        "InvalidInput",
        "description",
    ),
    (
        "description with a NUL",
        Call("POST", "/jobs", {**OK_JOB, "name": "j", "description": "a\x00"}),
        400,
        "InvalidInput",
        "description",
    ),
    (
        "too many tags",
        Call("POST", "/jobs", {**OK_JOB, "name": "j", "tags": {f"t{i}": "v" for i in range(51)}}),
        400,
        "InvalidInput",
        "tags",
    ),
    (
        "tag value too long",
        Call("POST", "/jobs", {**OK_JOB, "name": "j", "tags": {"team": "x" * 300}}),
        400,
        "InvalidInput",
        "tags.team",
    ),
    (
        "spark_conf key with a space",
        Call("POST", "/jobs", {**OK_JOB, "name": "j", "spark_conf": {"spark x": "1"}}),
        400,
        "InvalidInput",
        "spark_conf",
    ),
    (
        "spark_conf value too long",
        Call("POST", "/jobs", {**OK_JOB, "name": "j", "spark_conf": {"spark.x": "v" * 5000}}),
        400,
        "InvalidInput",
        "spark_conf.spark.x",
    ),
    (
        "too many spark_conf entries",
        Call(
            "POST",
            "/jobs",
            {**OK_JOB, "name": "j", "spark_conf": {f"spark.k{i}": "1" for i in range(201)}},
        ),
        400,
        "InvalidInput",
        "spark_conf",
    ),
    (
        "argument key without --",
        Call("POST", "/jobs", {**OK_JOB, "name": "j", "default_arguments": {"day": "1"}}),
        400,
        "InvalidInput",
        "default_arguments.day",
    ),
    (
        "argument value with a NUL",
        Call("POST", "/jobs", {**OK_JOB, "name": "j", "default_arguments": {"--day": "1\x00"}}),
        400,
        "InvalidInput",
        "default_arguments.--day",
    ),
    (
        "a 5000-digit timeout",
        Call(
            "POST",
            "/jobs",
            raw=b'{"name": "j", "script": "pass", "timeout": ' + HUGE.encode() + b"}",
        ),
        400,
        "InvalidInput",
        None,
    ),  # refused while decoding: no field is known yet
    (
        "timeout out of range",
        Call("POST", "/jobs", {**OK_JOB, "name": "j", "timeout": 10080}),
        400,
        "InvalidInput",
        "timeout",
    ),
    (
        "infinite timeout",
        Call("POST", "/jobs", raw=b'{"name": "j", "script": "pass", "timeout": Infinity}'),
        400,
        "InvalidInput",
        "timeout",
    ),
    (
        "script outside the roots",
        Call(
            "POST", "/jobs", {"name": "j", "command": {**PYSHELL, "script_location": "/etc/passwd"}}
        ),
        400,
        "InvalidInput",
        "command.script_location",
    ),
    (
        "relative script path",
        Call("POST", "/jobs", {"name": "j", "command": {**PYSHELL, "script_location": "etl.py"}}),
        400,
        "InvalidInput",
        "command.script_location",
    ),
    (
        "script location too long",
        Call("POST", "/jobs", {"name": "j", "command": {"script_location": "/" + "a" * 5000}}),
        400,
        "InvalidInput",
        "command.script_location",
    ),
    (
        "memory with 20 digits",
        Call(
            "POST", "/jobs", {**OK_JOB, "name": "j", "resources": {"driver_memory": "9" * 20 + "g"}}
        ),
        400,
        "InvalidInput",
        "resources.driver_memory",
    ),
    (
        "unknown executor",
        Call("POST", "/jobs", {**OK_JOB, "name": "j", "executor": "cluster"}),
        400,
        "InvalidInput",
        "executor",
    ),
    (
        "unknown field",
        Call("POST", "/jobs", {**OK_JOB, "name": "j", "colour": "red"}),
        400,
        "InvalidInput",
        "colour",
    ),
    ("not an object", Call("POST", "/jobs", ["etl"]), 400, "InvalidInput", None),
    ("malformed JSON", Call("POST", "/jobs", raw=b'{"name": '), 400, "InvalidInput", None),
    ("job exists", Call("POST", "/jobs", OK_JOB), 409, "AlreadyExists", "name"),
    (
        "rename by PUT",
        Call("PUT", "/jobs/etl", {**OK_JOB, "name": "other"}),
        400,
        "InvalidInput",
        "name",
    ),
    (
        "masked secret sent back for a new key",
        Call("POST", "/apply", {"jobs": [{**OK_JOB, "default_arguments": {"--pw": "****"}}]}),
        400,
        "InvalidInput",
        "jobs[0].default_arguments.--pw",
    ),
    # -- runs
    (
        "run argument with a NUL",
        Call("POST", "/jobs/etl/runs", {"arguments": {"--day": "a\x00"}}),
        400,
        "InvalidInput",
        "arguments.--day",
    ),
    (
        "run timeout of 5000 digits",
        Call("POST", "/jobs/etl/runs", raw=b'{"timeout": ' + HUGE.encode() + b"}"),
        400,
        "InvalidInput",
        None,
    ),
    (
        "run timeout of 30 digits",
        Call("POST", "/jobs/etl/runs", raw=b'{"timeout": ' + b"9" * 30 + b"}"),
        400,
        "InvalidInput",
        "timeout",
    ),
    (
        "run timeout 0",
        Call("POST", "/jobs/etl/runs", {"timeout": 0}),
        400,
        "InvalidInput",
        "timeout",
    ),
    ("run of no such job", Call("POST", "/jobs/nope/runs", {}), 404, "EntityNotFound", "name"),
    (
        "log offset past any file",
        Call("GET", "/runs/jr_x/logs", params={"offset": 10**30}),
        400,
        "InvalidInput",
        "offset",
    ),
    (
        "runs page token of a huge number",
        Call(
            "GET",
            "/runs",
            params={"next_token": "eyJrIjoicnVucyIsInYiOjk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5fQ"},
        ),
        400,
        "InvalidInput",
        "next_token",
    ),
    (
        "page size of 30 digits",
        Call("GET", "/jobs", params={"limit": 10**30}),
        400,
        "InvalidInput",
        "limit",
    ),
    (
        "garbage page token",
        Call("GET", "/triggers", params={"next_token": "!!" * 3000}),
        400,
        "InvalidInput",
        "next_token",
    ),
    # -- triggers
    (
        "rate whose next fire overflows",
        Call("POST", "/triggers", {**OK_TRIGGER, "schedule": "rate(5000000 days)"}),
        400,
        "InvalidInput",
        "schedule",
    ),
    (
        "schedule too long",
        Call(
            "POST", "/triggers", {**OK_TRIGGER, "schedule": "cron(" + "1," * 200 + "1 * * * ? *)"}
        ),
        400,
        "InvalidInput",
        "schedule",
    ),
    (
        "timezone of 5000 characters",
        Call("POST", "/triggers", {**OK_TRIGGER, "timezone": "a" * 5000}),
        400,
        "InvalidInput",
        "timezone",
    ),
    (
        "unknown timezone",
        Call("POST", "/triggers", {**OK_TRIGGER, "timezone": "Mars/Olympus"}),
        400,
        "InvalidInput",
        "timezone",
    ),
    (
        "trigger name ends in a newline",
        Call("POST", "/triggers", {**OK_TRIGGER, "name": "n\n"}),
        400,
        "InvalidInput",
        "name",
    ),
    (
        "eleven actions",
        Call("POST", "/triggers", {**OK_TRIGGER, "actions": [{"job_name": "etl"}] * 11}),
        400,
        "InvalidInput",
        "actions",
    ),
    (
        "pattern nested 11 deep",
        Call("POST", "/triggers", event_trigger(pattern=deep(11))),
        400,
        "InvalidInput",
        "event.pattern" + ".a" * 10,
    ),
    (
        "pattern nested 255 deep",
        Call("POST", "/triggers", event_trigger(pattern=deep(255))),
        400,
        "InvalidInput",
        "event.pattern" + ".a" * 10,
    ),
    (
        "pattern too large",
        Call("POST", "/triggers", event_trigger(pattern={"k": ["v" * 100] * 200})),
        400,
        "InvalidInput",
        "event.pattern",
    ),
    (
        "NaN in a pattern",
        Call(
            "POST",
            "/triggers",
            raw=json.dumps(
                event_trigger(pattern={"n": [{"numeric": [">", float("nan")]}]})
            ).encode(),
        ),
        400,
        "InvalidInput",
        "event.pattern.n[0].numeric",
    ),
    (
        "batch size of 40 digits",
        Call(
            "POST",
            "/triggers",
            raw=json.dumps(event_trigger(batch_size=0))
            .replace('"batch_size": 0', '"batch_size": ' + "9" * 40)
            .encode(),
        ),
        400,
        "InvalidInput",
        "event.batch_size",
    ),
    (
        "bad topic",
        Call("POST", "/triggers", event_trigger(topic="bad topic")),
        400,
        "InvalidInput",
        "event.topic",
    ),
    (
        "activate an ON_DEMAND trigger",
        Call("POST", "/triggers/kick/activate", {}),
        400,
        "InvalidInput",
        "type",
    ),
    (
        "no such trigger",
        Call("POST", "/triggers/nope/deactivate", {}),
        404,
        "EntityNotFound",
        "name",
    ),
    # -- definitions
    (
        "apply with one bad trigger",
        Call(
            "POST",
            "/apply",
            {
                "jobs": [{**OK_JOB, "name": "new-job"}],
                "triggers": [OK_TRIGGER, {**OK_TRIGGER, "name": "t2", "schedule": "rate(0 days)"}],
            },
        ),
        400,
        "InvalidInput",
        "triggers[1].schedule",
    ),
    (
        "apply naming a job twice",
        Call("POST", "/apply", {"jobs": [{**OK_JOB, "name": "x"}, {**OK_JOB, "name": "x"}]}),
        400,
        "InvalidInput",
        "jobs[1].name",
    ),
    # -- requests
    (
        "form post",
        Call(
            "POST",
            "/jobs/etl/runs",
            raw=b"a=1",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        ),
        415,
        "UnsupportedMediaType",
        "Content-Type",
    ),
    (
        "text/plain body",
        Call(
            "POST", "/jobs", raw=json.dumps(OK_JOB).encode(), headers={"Content-Type": "text/plain"}
        ),
        415,
        "UnsupportedMediaType",
        "Content-Type",
    ),
    (
        "foreign origin",
        Call("POST", "/triggers/kick/start", {}, headers={"Origin": "http://evil.example"}),
        403,
        "Forbidden",
        "Origin",
    ),
    (
        "foreign host",
        Call("DELETE", "/jobs/etl", headers={"Host": "evil.example"}),
        403,
        "Forbidden",
        "Host",
    ),
    (
        "body over the limit",
        Call("POST", "/apply", raw=b'{"jobs": [], "x": "' + b"a" * (16 * 1024 * 1024) + b'"}'),
        413,
        "PayloadTooLarge",
        "body",
    ),
    ("unknown route", Call("POST", "/jobz", {}), 404, "RouteNotFound", None),
]


def snapshot(daemon: DaemonProcess) -> dict[str, Any]:
    """Every row of every table, and what export returns."""
    tables: dict[str, Any] = {}
    with sqlite3.connect(daemon.workdir / "data" / "stoker.db") as conn:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for name in sorted(names):
            tables[name] = sorted(map(repr, conn.execute(f"SELECT * FROM {name}")))
    exported = daemon.http.get("/export")
    assert exported.status_code == 200, exported.text
    return {"tables": tables, "export": exported.json()}


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DaemonProcess]:
    process = DaemonProcess(tmp_path_factory.mktemp("bad-input"), pool_size=0).start()
    try:
        process.create_job("etl", "print('etl')\n", command=PYSHELL,
                           default_arguments={"--env": "prod"})  # fmt: skip
        for trigger in (OK_TRIGGER, {"name": "kick", "type": "ON_DEMAND",
                                     "actions": [{"job_name": "etl"}]}):  # fmt: skip
            assert process.http.post("/triggers", json=trigger).status_code == 201
        yield process
    finally:
        process.stop()


def send(daemon: DaemonProcess, call: Call) -> httpx.Response:
    headers = {"Content-Type": "application/json", **call.headers}
    content = call.raw if call.raw is not None else (
        None if call.body is None else json.dumps(call.body).encode()
    )  # fmt: skip
    with httpx.Client(base_url=daemon.url, timeout=60) as client:
        return client.request(call.method, call.path, content=content, headers=headers,
                              params=call.params)  # fmt: skip


@pytest.mark.parametrize(("name", "call", "status", "code", "field"), API_CASES,
                         ids=[c[0] for c in API_CASES])  # fmt: skip
def test_bad_request(daemon: DaemonProcess, name: str, call: Call, status: int, code: str,
                     field: str | None) -> None:  # fmt: skip
    before = snapshot(daemon)
    response = send(daemon, call)
    assert response.status_code == status, response.text[:500]
    error = response.json()
    assert (error["code"], error["field"]) == (code, field), error
    assert error["message"] and len(error["message"]) < 1000
    assert snapshot(daemon) == before
    assert daemon.proc is not None and daemon.proc.poll() is None


@dataclass(frozen=True)
class Command:
    args: tuple[str, ...]
    files: dict[str, str] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)


CLI_CASES: list[tuple[str, Command, int, tuple[str, ...]]] = [
    (
        "job name with a space",
        Command(
            (
                "jobs",
                "create",
                "--name",
                "bad name",
                "--type",
                "pythonshell",
                "--script",
                "{dir}/s.py",
            ),
            {"s.py": "pass\n"},
        ),
        2,
        ("InvalidInput", "(field: name)"),
    ),
    (
        "inf in a job file",
        Command(
            ("jobs", "create", "-f", "{dir}/job.toml"),
            {"job.toml": 'name = "j"\nscript_file = "s.py"\ntimeout = inf\n', "s.py": "pass\n"},
        ),
        2,
        ("InvalidInput", "timeout", "finite"),
    ),
    (
        "run timeout 0",
        Command(("runs", "start", "etl", "--timeout", "0")),
        2,
        ("InvalidInput", "(field: timeout)"),
    ),
    (
        "run argument of a job that is not there",
        Command(("runs", "start", "nope")),
        3,
        ("EntityNotFound",),
    ),
    (
        "overflowing schedule",
        Command(
            (
                "triggers",
                "create",
                "--name",
                "big",
                "--type",
                "SCHEDULED",
                "--schedule",
                "rate(5000000 days)",
                "--action",
                "etl",
            )
        ),
        2,
        ("InvalidInput", "(field: schedule)", "3650 days"),
    ),
    (
        "NaN in --pattern",
        Command(
            (
                "triggers",
                "create",
                "--name",
                "ev",
                "--type",
                "EVENT",
                "--topic",
                "t",
                "--pattern",
                '{"n": [{"numeric": [">", NaN]}]}',
                "--action",
                "etl",
            )
        ),
        2,
        ("InvalidInput", "event.pattern", "finite"),
    ),
    (
        "pattern too deep",
        Command(
            (
                "triggers",
                "create",
                "--name",
                "ev",
                "--type",
                "EVENT",
                "--topic",
                "t",
                "--pattern",
                json.dumps(deep(40)),
                "--action",
                "etl",
            )
        ),
        2,
        ("InvalidInput", "event.pattern", "at most 10"),
    ),
    (
        "pattern nested 5000 deep",
        Command(
            (
                "triggers",
                "create",
                "--name",
                "ev",
                "--type",
                "EVENT",
                "--topic",
                "t",
                "--pattern",
                "[" * 5000 + "]" * 5000,
                "--action",
                "etl",
            )
        ),
        2,
        ("InvalidInput", "event.pattern", "nested too deeply"),
    ),
    (
        "job file nested 5000 deep",
        Command(("jobs", "create", "-f", "{dir}/job.json"), {"job.json": "[" * 5000 + "]" * 5000}),
        2,
        ("InvalidInput", "nested too deeply"),
    ),
    (
        ".nan in a definition file",
        Command(
            ("apply", "-f", "{dir}/defs.yaml"),
            {"defs.yaml": "jobs:\n  - name: j\n    script: pass\n    timeout: .nan\n"},
        ),
        2,
        ("defs.yaml", "jobs[0].timeout", "finite"),
    ),
    (
        "bad schedule in a definition file",
        Command(
            ("apply", "-f", "{dir}/defs.toml"),
            {
                "defs.toml": '[[triggers]]\nname = "t"\ntype = "SCHEDULED"\n'
                'schedule = "rate(99999999 minutes)"\nactions = [{job_name = "etl"}]\n'
            },
        ),
        2,
        ("defs.toml", "trigger 't'", "schedule"),
    ),
    (
        "tokens not JSON",
        Command(("config", "show"), env={"STOKER_API__TOKENS": "abc"}),
        2,
        ("api.tokens", "JSON"),
    ),
    (
        "unknown database",
        Command(("daemon",), env={"STOKER_DATABASE__URL": "mysql://u:pw-secret@h/db"}),
        2,
        ("database.url",),
    ),
    (
        "nan in the config",
        Command(("daemon",), env={"STOKER_SPARK__STOP_GRACE_SECONDS": "nan"}),
        2,
        ("spark.stop_grace_seconds", "finite"),
    ),
]


@pytest.mark.parametrize(("name", "command", "exit_code", "said"), CLI_CASES,
                         ids=[c[0] for c in CLI_CASES])  # fmt: skip
def test_bad_cli_input(daemon: DaemonProcess, tmp_path: Path, name: str, command: Command,
                       exit_code: int, said: tuple[str, ...]) -> None:  # fmt: skip
    for file, text in command.files.items():
        (tmp_path / file).write_text(text)
    args = [a.replace("{dir}", str(tmp_path)) for a in command.args]
    env = {"STOKER_DATA_DIR": str(tmp_path / "other-data"), **command.env}
    before = snapshot(daemon)
    result = stoker(*args, daemon=daemon, env=env, cwd=tmp_path, timeout=120)
    assert result.returncode == exit_code, result
    for text in said:
        assert text in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and "pw-secret" not in result.stderr
    assert snapshot(daemon) == before
    assert not (tmp_path / "other-data").exists()  # a refused config touches nothing
