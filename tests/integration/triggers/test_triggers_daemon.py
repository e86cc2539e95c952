"""Triggers through a real daemon: scheduled fires, on-demand starts, conditional chains
over real Spark runs (a warm pool of one), cycle and schedule checks, and apply/export."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from stoker.cli.exporting import build_document
from tests.support.daemon import DaemonProcess
from tests.support.waiting import eventually, unique

pytestmark = pytest.mark.spark

PYSHELL = {"name": "pythonshell"}
SPARK_OK = "n = spark.range(10).count()\nprint('count', n, flush=True)\n"
SPARK_FAIL = "spark.range(10).count()\nraise RuntimeError('x')\n"
ECHO = "import sys\nprint('argv', sys.argv, flush=True)\n"


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DaemonProcess]:
    proc = DaemonProcess(tmp_path_factory.mktemp("triggers-daemon"), pool_size=1).start()
    yield proc
    proc.stop()


def create_trigger(daemon: DaemonProcess, **body: Any) -> dict[str, Any]:
    response = daemon.http.post("/triggers", json=body)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def get_trigger(daemon: DaemonProcess, name: str) -> dict[str, Any]:
    response = daemon.http.get(f"/triggers/{name}")
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def runs_of(daemon: DaemonProcess, job: str) -> list[dict[str, Any]]:
    """The job's runs, oldest first."""
    return list(reversed(daemon.runs(job=job)))


def preds(run: dict[str, Any]) -> list[tuple[str, str]]:
    return sorted((p["job_name"], p["run_id"]) for p in run["predecessor_runs"])


def conditional(
    name: str, logical: str, conditions: dict[str, str], *actions: str, **extra: Any
) -> dict[str, Any]:
    return {
        "name": name,
        "type": "CONDITIONAL",
        "predicate": {
            "logical": logical,
            "conditions": [{"job_name": j, "state": s} for j, s in conditions.items()],
        },
        "actions": [{"job_name": a} for a in actions],
        **extra,
    }


def test_rate_trigger_fires_repeatedly_and_stops_when_deactivated(daemon: DaemonProcess) -> None:
    job, name = unique("tick-job"), unique("tick")
    daemon.create_job(job, "print('tick')\n", command=PYSHELL, max_concurrent_runs=10)
    created = create_trigger(
        daemon, name=name, type="SCHEDULED", schedule="rate(2 seconds)",
        actions=[{"job_name": job}], start_on_creation=True,
    )  # fmt: skip
    assert created["state"] == "ACTIVATED"
    assert created["next_fire_time"] is not None

    def fired() -> list[dict[str, Any]]:
        return [r for r in runs_of(daemon, job) if r["triggered_by"] == name]

    eventually(lambda: len(fired()) >= 3, "three scheduled fires", timeout=20)
    assert all(r["triggered_by"] == name for r in runs_of(daemon, job))

    response = daemon.http.post(f"/triggers/{name}/deactivate")
    assert response.status_code == 200, response.text
    assert response.json()["state"] == "DEACTIVATED"
    time.sleep(1)  # a fire already under way when deactivated may still land
    settled = len(runs_of(daemon, job))
    time.sleep(5)
    assert len(runs_of(daemon, job)) == settled, "a deactivated trigger fired"
    shown = get_trigger(daemon, name)
    assert shown["state"] == "DEACTIVATED"
    assert shown["last_fire_time"] is not None
    assert shown["next_fire_time"] is None
    for run in fired():
        assert daemon.wait_state(run["id"])["state"] == "SUCCEEDED"


def test_on_demand_starts_all_actions_with_their_arguments_and_timeout(
    daemon: DaemonProcess,
) -> None:
    first, second, name = unique("od-a"), unique("od-b"), unique("od")
    daemon.create_job(first, ECHO, command=PYSHELL, default_arguments={"--y": "job"})
    daemon.create_job(second, ECHO, command=PYSHELL, timeout=30)
    create_trigger(
        daemon, name=name, type="ON_DEMAND",
        actions=[{"job_name": first, "arguments": {"--x": "from-action"}, "timeout": 7},
                 {"job_name": second}],
    )  # fmt: skip
    response = daemon.http.post(f"/triggers/{name}/start")
    assert response.status_code == 200, response.text
    started = {r["job_name"]: r for r in response.json()["runs"]}
    assert set(started) == {first, second}
    for run in started.values():
        assert run["triggered_by"] == name
        assert run["predecessor_runs"] == []
    assert started[first]["arguments"] == {"--x": "from-action"}
    assert started[first]["timeout"] == 7
    assert started[second]["arguments"] == {}
    assert started[second]["timeout"] == 30
    done = daemon.wait_state(started[first]["id"])
    assert done["state"] == "SUCCEEDED", done
    assert done["arguments"] == {"--x": "from-action"} and done["timeout"] == 7
    out = daemon.logs(done["id"])
    assert "--x" in out and "from-action" in out and "--y" in out
    assert daemon.wait_state(started[second]["id"])["state"] == "SUCCEEDED"
    # Started again, it fires again: every start is a new fire.
    again = daemon.http.post(f"/triggers/{name}/start")
    assert again.status_code == 200 and len(again.json()["runs"]) == 2
    for run in again.json()["runs"]:
        daemon.wait_state(run["id"])
    # ON_DEMAND triggers are never activated.
    refused = daemon.http.post(f"/triggers/{name}/activate")
    assert refused.status_code == 400, refused.text


def test_and_trigger_fires_once_per_pair_of_spark_successes(daemon: DaemonProcess) -> None:
    a, b, nxt, name = unique("and-a"), unique("and-b"), unique("and-next"), unique("and")
    daemon.create_job(a, SPARK_OK)
    daemon.create_job(b, SPARK_OK)
    daemon.create_job(nxt, "print('after both')\n", command=PYSHELL, max_concurrent_runs=5)
    trigger = create_trigger(
        daemon, **conditional(name, "AND", {a: "SUCCEEDED", b: "SUCCEEDED"}, nxt),
        start_on_creation=True,
    )  # fmt: skip
    assert trigger["state"] == "ACTIVATED"

    # Both started together on a pool of one: one waits for the other.
    ra = daemon.start_run(a)
    rb = daemon.start_run(b)
    assert daemon.wait_state(ra["id"])["state"] == "SUCCEEDED"
    assert daemon.wait_state(rb["id"])["state"] == "SUCCEEDED"
    first = eventually(lambda: runs_of(daemon, nxt), "the AND trigger's first fire")
    assert len(first) == 1
    assert first[0]["triggered_by"] == name
    assert preds(daemon.run(first[0]["id"])) == sorted([(a, ra["id"]), (b, rb["id"])])

    # One success alone is not a pair: the fire happens in the completing transition, so
    # by the time the run reads SUCCEEDED any fire it caused exists.
    ra2 = daemon.start_run(a)
    assert daemon.wait_state(ra2["id"])["state"] == "SUCCEEDED"
    assert len(runs_of(daemon, nxt)) == 1
    rb2 = daemon.start_run(b)
    assert daemon.wait_state(rb2["id"])["state"] == "SUCCEEDED"
    both = eventually(lambda: len(runs_of(daemon, nxt)) == 2 and runs_of(daemon, nxt), "2nd fire")
    assert preds(daemon.run(both[1]["id"])) == sorted([(a, ra2["id"]), (b, rb2["id"])])
    for run in both:
        assert daemon.wait_state(run["id"])["state"] == "SUCCEEDED"
    assert len(runs_of(daemon, nxt)) == 2


def test_any_trigger_on_failed_starts_a_recovery_job(daemon: DaemonProcess) -> None:
    bad, fix, name = unique("fails"), unique("recovery"), unique("on-fail")
    daemon.create_job(bad, SPARK_FAIL)
    daemon.create_job(fix, "print('recovering')\n", command=PYSHELL)
    create_trigger(daemon, **conditional(name, "ANY", {bad: "FAILED"}, fix),
                   start_on_creation=True)  # fmt: skip
    failed = daemon.wait_state(daemon.start_run(bad)["id"])
    assert failed["state"] == "FAILED", failed
    assert "RuntimeError" in (failed["error_message"] or "")
    recovery = eventually(lambda: runs_of(daemon, fix), "the recovery run")
    assert len(recovery) == 1
    assert recovery[0]["triggered_by"] == name
    assert recovery[0]["predecessor_runs"] == [{"job_name": bad, "run_id": failed["id"]}]
    assert daemon.wait_state(recovery[0]["id"])["state"] == "SUCCEEDED"
    assert "recovering" in daemon.logs(recovery[0]["id"])


def test_cycle_is_refused_unless_allowed(daemon: DaemonProcess) -> None:
    x, y = unique("cyc-x"), unique("cyc-y")
    for job in (x, y):
        daemon.create_job(job, "print(1)\n", command=PYSHELL)
    create_trigger(daemon, **conditional(unique("x-to-y"), "ANY", {x: "SUCCEEDED"}, y))
    loop = conditional(unique("y-to-x"), "ANY", {y: "SUCCEEDED"}, x)
    refused = daemon.http.post("/triggers", json=loop)
    assert refused.status_code == 400, refused.text
    error = refused.json()
    assert x in error["message"] and y in error["message"]
    assert "allow_cycles" in error["message"]
    assert daemon.http.get(f"/triggers/{loop['name']}").status_code == 404
    # A job starting itself is a cycle too.
    own = daemon.http.post("/triggers", json=conditional(unique("self"), "ANY",
                                                        {x: "FAILED"}, x))  # fmt: skip
    assert own.status_code == 400 and x in own.json()["message"]
    allowed = daemon.http.post("/triggers", json={**loop, "allow_cycles": True})
    assert allowed.status_code == 201, allowed.text
    assert allowed.json()["allow_cycles"] is True


def test_bad_schedule_is_refused_naming_the_field(daemon: DaemonProcess) -> None:
    job = unique("sched-job")
    daemon.create_job(job, "print(1)\n", command=PYSHELL)
    for schedule, hint in (("cron(99 12 * * ? *)", "minutes"), ("rate(0 minutes)", "rate")):
        name = unique("bad-sched")
        response = daemon.http.post("/triggers", json={
            "name": name, "type": "SCHEDULED", "schedule": schedule,
            "actions": [{"job_name": job}],
        })  # fmt: skip
        assert response.status_code == 400, response.text
        error = response.json()
        assert error["field"] == "schedule", error
        assert hint in error["message"], error
        assert daemon.http.get(f"/triggers/{name}").status_code == 404


def test_job_triggers_lists_starts_and_watches(daemon: DaemonProcess) -> None:
    up, down, other = unique("up"), unique("down"), unique("other")
    for job in (up, down, other):
        daemon.create_job(job, "print(1)\n", command=PYSHELL)
    chain = unique("chain")
    kick = unique("kick")
    create_trigger(daemon, **conditional(chain, "ANY", {up: "SUCCEEDED"}, down))
    create_trigger(daemon, name=kick, type="ON_DEMAND", actions=[{"job_name": up}])

    def view(job: str) -> tuple[list[str], list[str]]:
        response = daemon.http.get(f"/jobs/{job}/triggers")
        assert response.status_code == 200, response.text
        body = response.json()
        return [t["name"] for t in body["starts"]], [t["name"] for t in body["watches"]]

    assert view(up) == ([kick], [chain])
    assert view(down) == ([chain], [])
    assert view(other) == ([], [])
    assert daemon.http.get(f"/jobs/{unique('ghost')}/triggers").status_code == 404
    listed = daemon.http.get("/triggers", params={"job": up}).json()["triggers"]
    assert sorted(t["name"] for t in listed) == sorted([chain, kick])


def _apply(daemon: DaemonProcess, body: dict[str, Any]) -> Any:
    return daemon.http.post("/apply", json=body)


def _empty(report: dict[str, list[str]]) -> bool:
    return not any(report.values())


def test_apply_round_trips_through_export(daemon: DaemonProcess, tmp_path: Path) -> None:
    src, dst, sched, chain = unique("ap-src"), unique("ap-dst"), unique("ap-sched"), unique("ap")
    document = {
        "jobs": [
            {"name": src, "script": "print('src')\n", "command": PYSHELL,
             "default_arguments": {"--env": "test"}, "max_retries": 1},
            {"name": dst, "script": SPARK_OK, "timeout": 30},
        ],
        "triggers": [
            {**conditional(chain, "ANY", {src: "SUCCEEDED"}, dst), "start_on_creation": True},
            {"name": sched, "type": "SCHEDULED", "schedule": "cron(0 3 * * ? *)",
             "timezone": "Europe/Paris", "actions": [{"job_name": src,
                                                      "arguments": {"--x": "1"}}]},
        ],
    }  # fmt: skip
    first = _apply(daemon, document)
    assert first.status_code == 200, first.text
    report = first.json()
    assert sorted(report["created"]["jobs"]) == sorted([src, dst])
    assert sorted(report["created"]["triggers"]) == sorted([chain, sched])
    assert get_trigger(daemon, chain)["state"] == "ACTIVATED"
    assert get_trigger(daemon, sched)["state"] == "CREATED"

    again = _apply(daemon, document)
    assert again.status_code == 200, again.text
    assert _empty(again.json()["created"]) and _empty(again.json()["updated"])

    exported = daemon.http.get("/export")
    assert exported.status_code == 200, exported.text
    doc = build_document(exported.json())
    names = {t["name"] for t in doc["triggers"]}
    assert {chain, sched} <= names
    round_trip = _apply(daemon, doc)
    assert round_trip.status_code == 200, round_trip.text
    result = round_trip.json()
    assert _empty(result["created"]), result
    assert _empty(result["updated"]), result
    assert _empty(result["deleted"]), result
    assert {src, dst} <= set(result["unchanged"]["jobs"])
    assert names == set(result["unchanged"]["triggers"])
    # And the definitions survive the trip as written.
    shown = get_trigger(daemon, sched)
    assert shown["schedule"] == "cron(0 3 * * ? *)" and shown["timezone"] == "Europe/Paris"
    assert shown["actions"][0]["arguments"] == {"--x": "1"}


def test_apply_with_an_error_changes_nothing(daemon: DaemonProcess) -> None:
    kept, new_job, new_trigger = unique("keep"), unique("new"), unique("new-t")
    assert (
        _apply(
            daemon,
            {
                "jobs": [
                    {"name": kept, "script": "print(1)\n", "command": PYSHELL, "description": "v1"}
                ]
            },
        ).status_code
        == 200
    )
    bad = {
        "jobs": [
            {"name": kept, "script": "print(2)\n", "command": PYSHELL, "description": "v2"},
            {"name": new_job, "script": "print(3)\n", "command": PYSHELL},
            {"name": unique("broken"), "script": "print(4)\n", "command": PYSHELL,
             "timeout": 0},
        ],
        "triggers": [{"name": new_trigger, "type": "ON_DEMAND",
                      "actions": [{"job_name": new_job}]}],
    }  # fmt: skip
    response = _apply(daemon, bad)
    assert response.status_code == 400, response.text
    error = response.json()
    assert error["field"] == "jobs[2].timeout", error
    assert daemon.http.get(f"/jobs/{kept}").json()["description"] == "v1"
    assert daemon.http.get(f"/jobs/{new_job}").status_code == 404
    assert daemon.http.get(f"/triggers/{new_trigger}").status_code == 404

    # An error found only against the stored state (a cycle) is all or nothing too.
    looping = {
        "jobs": [{"name": new_job, "script": "print(3)\n", "command": PYSHELL}],
        "triggers": [
            conditional(unique("l1"), "ANY", {kept: "SUCCEEDED"}, new_job),
            conditional(unique("l2"), "ANY", {new_job: "SUCCEEDED"}, kept),
        ],
    }
    response = _apply(daemon, looping)
    assert response.status_code == 400, response.text
    assert kept in response.json()["message"] and new_job in response.json()["message"]
    assert daemon.http.get(f"/jobs/{new_job}").status_code == 404
    for trigger in looping["triggers"]:
        assert daemon.http.get(f"/triggers/{trigger['name']}").status_code == 404


def test_export_with_a_trigger_on_a_deleted_job_applies_back(daemon: DaemonProcess) -> None:
    """POST /triggers and job deletion both allow a trigger whose action names no job;
    the export of such a daemon must still be a document apply takes back."""
    gone, name = unique("gone"), unique("dangling")
    daemon.create_job(gone, "print(1)\n", command=PYSHELL)
    create_trigger(daemon, name=name, type="ON_DEMAND", actions=[{"job_name": gone}])
    assert daemon.http.delete(f"/jobs/{gone}").status_code == 204
    try:
        doc = build_document(daemon.http.get("/export").json())
        assert name in {t["name"] for t in doc["triggers"]}
        response = _apply(daemon, doc)
        assert response.status_code == 200, response.text
        assert name in response.json()["unchanged"]["triggers"]
    finally:
        daemon.http.delete(f"/triggers/{name}")
