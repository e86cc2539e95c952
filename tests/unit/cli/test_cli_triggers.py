"""`stoker triggers …` and `stoker jobs triggers` against the real API over fake services."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from stoker.domain.states import RunState
from stoker.domain.triggers import TriggerState, TriggerType
from tests.unit.api.fakes import FakeServices, make_job

SCHEDULED = ["triggers", "create", "--name", "nightly", "--type", "SCHEDULED",
             "--schedule", "cron(0 2 * * ? *)", "--action", "etl", "--arg", "day=x",
             "--arg", "db_password=pw", "--timeout", "30"]  # fmt: skip


def test_create_scheduled_from_flags(stoker: Any, services: FakeServices) -> None:
    result = stoker(*SCHEDULED, "--start-on-creation", "--timezone", "Europe/Paris")
    assert result.exit_code == 0, result.stderr
    assert "ACTIVATED" in result.stdout and "****" in result.stdout
    assert "pw" not in result.stdout
    stored = services.triggers.triggers["nightly"]
    assert stored.timezone == "Europe/Paris" and stored.state is TriggerState.ACTIVATED
    assert stored.actions[0].arguments == {"--day": "x", "--db_password": "pw"}
    assert stored.actions[0].timeout == 30


def test_create_conditional_with_conditions(stoker: Any, services: FakeServices) -> None:
    result = stoker("triggers", "create", "--name", "chain", "--type", "CONDITIONAL",
                    "--logical", "ANY", "--condition", "a=failed", "--condition", "b=TIMEOUT",
                    "--action", "recover", "-o", "json")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["predicate"] == {
        "logical": "ANY",
        "conditions": [{"job_name": "a", "state": "FAILED"},
                       {"job_name": "b", "state": "TIMEOUT"}],
    }  # fmt: skip
    bad = stoker("triggers", "create", "--name", "x", "--type", "CONDITIONAL",
                 "--condition", "a=ERROR", "--action", "r")  # fmt: skip
    assert bad.exit_code == 2 and "STATE one of" in bad.stderr


def test_create_event_and_from_file(stoker: Any, services: FakeServices, tmp_path: Path) -> None:
    result = stoker("triggers", "create", "--name", "ev", "--type", "EVENT", "--topic", "orders",
                    "--pattern", '{"type": ["new"]}', "--batch-size", "10",
                    "--batch-window", "60", "--action", "etl")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    event = services.triggers.triggers["ev"].event
    assert event is not None and (event.batch_size, event.batch_window) == (10, 60)
    assert event.pattern == {"type": ["new"]}
    path = tmp_path / "t.yaml"
    path.write_text("name: od\ntype: ON_DEMAND\nactions:\n  - job_name: etl\n    timeout: 5\n")
    result = stoker("triggers", "create", "-f", str(path), "--description", "by hand")
    assert result.exit_code == 0, result.stderr
    assert services.triggers.triggers["od"].description == "by hand"


def test_create_errors_exit_with_codes(stoker: Any) -> None:
    missing = stoker("triggers", "create", "--name", "n", "--type", "SCHEDULED", "--action", "e")
    assert missing.exit_code == 2
    assert "field: schedule" in missing.stderr
    assert stoker(*SCHEDULED).exit_code == 0
    dup = stoker(*SCHEDULED)
    assert dup.exit_code == 4 and "AlreadyExists" in dup.stderr
    no_type = stoker("triggers", "create", "--name", "n")
    assert no_type.exit_code == 2 and "needs a type" in no_type.stderr
    assert stoker("triggers", "get", "nope").exit_code == 3


def test_update_keeps_secret_and_state(stoker: Any, services: FakeServices) -> None:
    stoker(*SCHEDULED, "--start-on-creation")
    result = stoker("triggers", "update", "nightly", "--schedule", "rate(10 minutes)")
    assert result.exit_code == 0, result.stderr
    stored = services.triggers.triggers["nightly"]
    assert stored.schedule == "rate(10 minutes)"
    assert stored.actions[0].arguments["--db_password"] == "pw"
    assert stored.state is TriggerState.ACTIVATED


def test_list_get_and_filter(stoker: Any) -> None:
    stoker(*SCHEDULED)
    stoker("triggers", "create", "--name", "other", "--type", "ON_DEMAND", "--action", "x")
    listed = stoker("triggers", "list")
    assert listed.exit_code == 0
    lines = listed.stdout.splitlines()
    assert lines[0].split() == ["NAME", "TYPE", "STATE", "FIRES", "ON", "JOBS", "NEXT", "FIRE"]
    assert lines[1].startswith("nightly") and "cron(0 2 * * ? *)" in lines[1]
    only = json.loads(stoker("triggers", "list", "--job", "x", "-o", "json").stdout)
    assert [t["name"] for t in only] == ["other"]
    shown = stoker("triggers", "get", "nightly").stdout
    assert "Fires on:" in shown and "--db_password" in shown and "pw" not in shown


def test_start_activate_deactivate_delete(stoker: Any, services: FakeServices) -> None:
    services.jobs.jobs["etl"] = make_job("etl")
    stoker("triggers", "create", "--name", "now", "--type", "ON_DEMAND", "--action", "etl")
    started = stoker("triggers", "start", "now")
    assert started.exit_code == 0, started.stderr
    assert "started 1 run(s)" in started.stdout and "now" in started.stdout
    run = next(iter(services.runs.runs.values()))
    assert run.triggered_by == "now" and run.state is RunState.RUNNING
    assert stoker("triggers", "activate", "now").exit_code == 4
    stoker(*SCHEDULED)
    assert stoker("triggers", "start", "nightly").stdout.strip() == "trigger nightly is ACTIVATED"
    assert "DEACTIVATED" in stoker("triggers", "deactivate", "nightly").stdout
    assert "is ACTIVATED" in stoker("triggers", "activate", "nightly").stdout
    assert stoker("triggers", "delete", "nightly").stdout.strip() == "deleted trigger nightly"
    assert "nightly" not in services.triggers.triggers
    assert services.triggers.triggers["now"].type is TriggerType.ON_DEMAND


def test_jobs_triggers_view(stoker: Any, services: FakeServices) -> None:
    services.jobs.jobs["etl"] = make_job("etl")
    stoker(*SCHEDULED)
    stoker("triggers", "create", "--name", "after", "--type", "CONDITIONAL",
           "--condition", "etl=SUCCEEDED", "--action", "report")  # fmt: skip
    result = stoker("jobs", "triggers", "etl")
    assert result.exit_code == 0, result.stderr
    started, watched = result.stdout.split("Watched by:")
    assert "nightly" in started and "after" not in started
    assert "after" in watched and "etl=SUCCEEDED" in watched
    data = json.loads(stoker("jobs", "triggers", "etl", "-o", "json").stdout)
    assert [t["name"] for t in data["watches"]] == ["after"]


def test_every_trigger_command_has_help_with_example(stoker: Any) -> None:
    for command in ("create", "update", "list", "get", "start", "activate", "deactivate",
                    "delete"):  # fmt: skip
        result = stoker("triggers", command, "--help")
        assert result.exit_code == 0 and "Example" in result.stdout, command
    assert "Example" in stoker("jobs", "triggers", "--help").stdout
