"""The triggers CLI contract and jobs as code, as a user meets them (daemon + CLI)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from tests.acceptance.conftest import ok, ok_json, stoker
from tests.support.daemon import DaemonProcess
from tests.support.waiting import eventually

JOBS = """
[[jobs]]
name = "extract"
script_file = "scripts/extract.py"
command = { name = "pythonshell" }
default_arguments = { "--day" = "2026-11-26", "--db-password" = "hunter2" }

[[jobs]]
name = "load"
script_file = "scripts/load.py"
command = { name = "pythonshell" }
"""
TRIGGERS = """
triggers:
  - name: nightly
    type: SCHEDULED
    schedule: cron(0 2 * * ? *)
    timezone: Europe/Paris
    start_on_creation: true
    actions: [{job_name: extract}]
  - name: after-extract
    type: CONDITIONAL
    start_on_creation: true
    predicate: {logical: ANY, conditions: [{job_name: extract, state: SUCCEEDED}]}
    actions: [{job_name: load}]
"""


def write_definitions(root: Path) -> Path:
    (root / "scripts").mkdir(parents=True)
    (root / "scripts" / "extract.py").write_text("print('extracting')\n")
    (root / "scripts" / "load.py").write_text("print('loading')\n")
    (root / "jobs.toml").write_text(JOBS)
    (root / "triggers.yaml").write_text(TRIGGERS)
    return root


def test_apply_export_round_trip_and_chain(
    start_daemon: Callable[..., DaemonProcess], tmp_path: Path
) -> None:
    daemon = start_daemon(pool_size=0)
    defs = write_definitions(tmp_path / "defs")
    report = ok_json(stoker("apply", "-f", str(defs), "-o", "json", daemon=daemon))
    assert sorted(report["created"]["jobs"]) == ["extract", "load"]
    assert sorted(report["created"]["triggers"]) == ["after-extract", "nightly"]
    again = ok(stoker("apply", "-f", str(defs), daemon=daemon))
    assert "4 unchanged" in again

    exported = stoker("export", daemon=daemon)
    assert "hunter2" not in exported.stdout + exported.stderr
    (tmp_path / "all.toml").write_text(ok(exported))
    round_trip = ok(stoker("apply", "-f", str(tmp_path / "all.toml"), daemon=daemon))
    assert "0 created, 0 updated, 4 unchanged, 0 deleted" in round_trip

    views = ok_json(stoker("jobs", "triggers", "extract", "-o", "json", daemon=daemon))
    assert [t["name"] for t in views["starts"]] == ["nightly"]
    assert [t["name"] for t in views["watches"]] == ["after-extract"]

    extract_id = ok(stoker("runs", "start", "extract", "--wait", daemon=daemon)).split()[0]

    def load_run() -> dict[str, object] | None:
        runs = ok_json(stoker("runs", "list", "--job", "load", "-o", "json", daemon=daemon))
        return runs[0] if runs and runs[0]["state"] == "SUCCEEDED" else None

    load = eventually(load_run, "the conditional trigger started load")
    assert load["triggered_by"] == "after-extract"
    assert load["predecessor_runs"] == [{"job_name": "extract", "run_id": extract_id}]
    shown = ok_json(stoker("runs", "get", str(load["id"]), "-o", "json", daemon=daemon))
    assert shown["predecessor_runs"][0]["run_id"] == extract_id


def test_bad_definition_changes_nothing_and_names_file_item_field(
    start_daemon: Callable[..., DaemonProcess], tmp_path: Path
) -> None:
    daemon = start_daemon(pool_size=0)
    defs = write_definitions(tmp_path / "defs")
    (defs / "triggers.yaml").write_text(TRIGGERS.replace("cron(0 2 * * ? *)", "cron(0 26 * * ? *)"))
    result = stoker("apply", "-f", str(defs), daemon=daemon)
    assert result.returncode == 2
    assert "triggers.yaml" in result.stderr and "nightly" in result.stderr
    assert "schedule" in result.stderr and "hours" in result.stderr
    assert ok_json(stoker("jobs", "list", "-o", "json", daemon=daemon)) == []


def test_triggers_cli_contract(start_daemon: Callable[..., DaemonProcess], tmp_path: Path) -> None:
    daemon = start_daemon(pool_size=0)
    script = tmp_path / "hello.py"
    script.write_text("print('hello')\n")
    for job in ("a", "b", "c"):
        ok(stoker("jobs", "create", "--name", job, "--script", str(script), "--type",
                  "pythonshell", daemon=daemon))  # fmt: skip
    ok(stoker("triggers", "create", "--name", "both", "--type", "CONDITIONAL",
              "--logical", "AND", "--condition", "a=SUCCEEDED", "--condition", "b=SUCCEEDED",
              "--action", "c", "--start-on-creation", daemon=daemon))  # fmt: skip
    ok(stoker("triggers", "create", "--name", "go", "--type", "ON_DEMAND", "--action", "a",
              "--action", "b", daemon=daemon))  # fmt: skip
    listed = ok_json(stoker("triggers", "list", "-o", "json", daemon=daemon))
    assert {t["name"]: t["state"] for t in listed} == {"both": "ACTIVATED", "go": "CREATED"}
    ok(stoker("triggers", "start", "go", daemon=daemon))

    def c_done() -> list[dict[str, object]]:
        runs = ok_json(stoker("runs", "list", "--job", "c", "-o", "json", daemon=daemon))
        return [r for r in runs if r["state"] == "SUCCEEDED"]

    (c_run,) = eventually(c_done, "AND trigger started c once")
    assert sorted(p["job_name"] for p in c_run["predecessor_runs"]) == ["a", "b"]
    ok(stoker("triggers", "deactivate", "both", daemon=daemon))
    got = ok_json(stoker("triggers", "get", "both", "-o", "json", daemon=daemon))
    assert got["state"] == "DEACTIVATED"
    ok(stoker("triggers", "activate", "both", daemon=daemon))
    bad = stoker("triggers", "create", "--name", "loop", "--type", "CONDITIONAL",
                 "--condition", "c=SUCCEEDED", "--action", "a", daemon=daemon)  # fmt: skip
    assert bad.returncode == 2 and "allow_cycles" in bad.stderr
    ok(stoker("triggers", "delete", "go", daemon=daemon))
    missing = stoker("triggers", "get", "go", daemon=daemon)
    assert missing.returncode == 3
    assert (
        json.loads(ok(stoker("triggers", "list", "-o", "json", daemon=daemon)))[0]["name"] == "both"
    )
