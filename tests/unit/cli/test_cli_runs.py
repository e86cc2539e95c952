"""`stoker runs …` and `stoker events …` over real HTTP."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from stoker.domain.states import RunState
from stoker.errors import ConcurrentRunsExceeded
from tests.unit.api.fakes import FakeServices, make_event, make_job


@pytest.fixture(autouse=True)
def _job(services: FakeServices) -> None:
    services.jobs.jobs["etl"] = make_job(default_arguments={"--day": "0"})


def test_start_prints_the_run_id(stoker: Any, services: FakeServices) -> None:
    res = stoker("runs", "start", "etl", "--arg", "day=1", "--timeout", "5", "--no-queuing")
    assert res.exit_code == 0, res.stderr
    run = services.runs.runs[res.stdout.strip()]
    assert run.arguments == {"--day": "1"} and run.timeout == 5
    assert run.queuing_enabled is False


def test_start_wait_exits_0_on_success(stoker: Any, services: FakeServices) -> None:
    states = [RunState.RUNNING, RunState.SUCCEEDED]
    services.runs.on_get_run = lambda rid: services.runs.set_state(rid, states.pop(0))
    res = stoker("runs", "start", "etl", "--wait", "--poll-interval", "0.01")
    assert res.exit_code == 0, res.stderr
    run_id, final = res.stdout.splitlines()
    assert final == f"{run_id} SUCCEEDED"


def test_start_wait_exits_1_otherwise_with_error(stoker: Any, services: FakeServices) -> None:
    services.runs.on_get_run = lambda rid: services.runs.set_state(rid, RunState.FAILED, "boom")
    res = stoker("runs", "start", "etl", "--wait", "-o", "json", "--poll-interval", "0.01")
    assert res.exit_code == 1
    out = json.loads(res.stdout)
    assert out["state"] == "FAILED" and out["error_message"] == "boom"


def test_start_wait_follows_automatic_retries(stoker: Any, services: FakeServices) -> None:
    """The retry is created in the transaction that ends the attempt (as the daemon does):
    --wait reports the failed attempt and waits for the retry, whose end is the run's."""
    retries: dict[str, str] = {}

    def on_get_run(run_id: str) -> None:
        run = services.runs.runs[run_id]
        if run.attempt == 0 and run_id not in retries:
            services.runs.set_state(run_id, RunState.FAILED, "boom")
            retry = replace(run, id=f"{run_id}-retry", attempt=1, previous_run_id=run_id,
                            state=RunState.RUNNING, seq=run.seq + 1)  # fmt: skip
            services.runs.add(retry)
            retries[run_id] = retry.id
        elif run.attempt == 1:
            services.runs.set_state(run_id, RunState.SUCCEEDED)

    services.runs.on_get_run = on_get_run
    res = stoker("runs", "start", "etl", "--wait", "--poll-interval", "0.01")
    assert res.exit_code == 0, res.stderr
    run_id, retried, final = res.stdout.splitlines()
    assert retried == f"{run_id} FAILED: boom; retried as {run_id}-retry (attempt 1)"
    assert final == f"{run_id}-retry SUCCEEDED"
    as_json = stoker("runs", "start", "etl", "--wait", "-o", "json", "--poll-interval", "0.01")
    assert as_json.exit_code == 0, as_json.stderr
    last = json.loads(as_json.stdout)
    assert (last["attempt"], last["state"]) == (1, "SUCCEEDED")


def test_start_wait_without_a_retry_ends_with_the_attempt(
    stoker: Any, services: FakeServices
) -> None:
    services.runs.on_get_run = lambda rid: services.runs.set_state(rid, RunState.ERROR, "lost")
    res = stoker("runs", "start", "etl", "--wait", "--poll-interval", "0.01")
    assert res.exit_code == 1
    run_id, final = res.stdout.splitlines()
    assert final == f"{run_id} ERROR: lost"


def test_start_errors(stoker: Any, services: FakeServices) -> None:
    services.runs.start_error = ConcurrentRunsExceeded("job etl has 1 run; max 1")
    busy = stoker("runs", "start", "etl")
    assert busy.exit_code == 4 and "ConcurrentRunsExceeded" in busy.stderr
    services.accepting_runs = False
    down = stoker("runs", "start", "etl")
    assert down.exit_code == 6 and "error: ShuttingDown:" in down.stderr


def test_get_list_stop(stoker: Any, services: FakeServices) -> None:
    ids = [stoker("runs", "start", "etl").stdout.strip() for _ in range(3)]
    services.runs.set_state(ids[0], RunState.FAILED, "boom")
    listed = stoker("runs", "list", "--limit", "2")
    assert [line.split()[0] for line in listed.stdout.splitlines()[1:]] == [ids[2], ids[1]]
    failed = json.loads(stoker("runs", "list", "--state", "failed", "-o", "json").stdout)
    assert [r["id"] for r in failed] == [ids[0]]
    shown = stoker("runs", "get", ids[0]).stdout
    assert "State:" in shown and "boom" in shown
    assert stoker("runs", "stop", ids[1]).stdout.strip() == f"{ids[1]} STOPPING"
    again = stoker("runs", "stop", ids[0])
    assert again.exit_code == 4 and "InvalidTransition" in again.stderr


def test_logs_and_follow(stoker: Any, services: FakeServices) -> None:
    run_id = stoker("runs", "start", "etl").stdout.strip()
    path = services.runs.log_path(run_id, "stdout")
    path.parent.mkdir(parents=True)
    path.write_text("one\n")
    assert stoker("runs", "logs", run_id).stdout == "one\n"
    steps = ["two\n", "three\n", None]

    def advance(rid: str) -> None:
        step = steps.pop(0) if steps else None
        if step is None:
            services.runs.set_state(rid, RunState.SUCCEEDED)
        else:
            with path.open("a") as fh:
                fh.write(step)

    services.runs.on_get_run = advance
    res = stoker("runs", "logs", run_id, "--follow", "--poll-interval", "0.01")
    assert res.exit_code == 0 and res.stdout == "one\ntwo\nthree\n"
    assert stoker("runs", "logs", run_id, "--stderr").stdout == ""


def test_events_list(stoker: Any, services: FakeServices) -> None:
    services.events.events = [make_event(1, sent=True), make_event(2, state="SUCCEEDED")]
    table = stoker("events", "list").stdout.splitlines()
    assert table[0].split()[:3] == ["SEQ", "CREATED", "JOB"] and len(table) == 3
    pending = json.loads(stoker("events", "list", "--pending", "-o", "json").stdout)
    assert [e["seq"] for e in pending] == [2]
    assert pending[0]["event"]["detail"]["state"] == "SUCCEEDED"
