"""One stored definition that cannot be read never breaks a list, an export or a fire: it
reads as a placeholder carrying ``load_error`` (issue 10), over SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from stoker.domain.jobs import CommandName
from stoker.domain.runs import new_run
from stoker.domain.states import RunState
from stoker.domain.triggers import (
    Action,
    Condition,
    Predicate,
    Trigger,
    TriggerState,
    TriggerType,
)
from stoker.errors import InvalidInput
from stoker.store.definitions import DefinitionsStore
from stoker.store.engine import Database, upgrade
from stoker.store.firing import Firing
from stoker.store.jobs import JobStore
from stoker.store.runs import RunStore
from stoker.store.tables import trigger_watches
from stoker.store.tables import triggers as triggers_table
from stoker.store.triggers import TriggerStore

from .conftest import Clock, make_job


def deep_pattern(depth: int) -> dict[str, Any]:
    """A pattern nesting ``depth`` objects, what the API accepted before the limit."""
    pattern: dict[str, Any] = {"leaf": ["x"]}
    for _ in range(depth - 1):
        pattern = {"a": pattern}
    return pattern


def event_definition(name: str, pattern: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": name, "type": "EVENT", "description": "", "schedule": None, "timezone": "UTC",
        "catch_up": "NONE", "allow_cycles": False,
        "actions": [{"job_name": "etl", "arguments": {}, "timeout": None,
                     "notify_delay_after": None}],
        "predicate": None,
        "event": {"topic": "t", "pattern": pattern, "batch_size": 1, "batch_window": 60},
    }  # fmt: skip


def put_trigger(db: Database, clock: Clock, name: str, definition: str, *,
                type_: str = "EVENT", state: str = "ACTIVATED") -> None:  # fmt: skip
    """A row as another stoker, a bug or a hand edit may have left it (raw SQL: the store
    itself refuses to write such a definition)."""
    with db.engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO triggers (name, type, state, definition, created_on, "
                "last_modified_on, missed_fires) VALUES (:n, :t, :s, :d, :c, :c, 0)"
            ),
            {"n": name, "t": type_, "s": state, "d": definition, "c": clock().replace(tzinfo=None)},
        )


def put_job(db: Database, clock: Clock, name: str, definition: str) -> None:
    with db.engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO jobs (name, definition, max_concurrent_runs, created_on, "
                "last_modified_on) VALUES (:n, :d, 1, :c, :c)"
            ),
            {"n": name, "d": definition, "c": clock().replace(tzinfo=None)},
        )


@pytest.fixture
def triggers(db: Database) -> TriggerStore:
    return TriggerStore(db)


def test_a_pattern_nested_too_deep_reads_as_a_marked_placeholder(
    db: Database, clock: Clock, triggers: TriggerStore, jobs: JobStore
) -> None:
    jobs.create(make_job("etl"), clock())
    put_trigger(db, clock, "deep", json.dumps(event_definition("deep", deep_pattern(255))))
    put_trigger(db, clock, "fine", json.dumps(event_definition("fine", {"k": ["v"]})))
    listed = {t.name: t for t in triggers.list_triggers(limit=10)}
    assert listed["fine"].load_error is None and listed["fine"].event is not None
    deep = listed["deep"]
    assert deep.load_error is not None and "nest" in deep.load_error
    assert deep.actions == () and deep.event is None and deep.state is TriggerState.ACTIVATED
    # The event consumer reads ACTIVATED EVENT triggers every second: the bad one is inert.
    active = triggers.active_of_type(TriggerType.EVENT)
    assert {t.name for t in active if t.event is not None} == {"fine"}
    exported_jobs, exported = DefinitionsStore(db, jobs, triggers).export()
    assert [t.name for t in exported] == ["deep", "fine"] and len(exported_jobs) == 1


@pytest.mark.parametrize(
    "definition",
    [
        '{"name": "broken"}',  # a required field is missing
        '{"name": "broken", "type": "WEEKLY", "actions": []}',  # an unknown type
        '{"name": "broken", "type": "ON_DEMAND", "actions": [{"job": "etl"}]}',  # bad action
        "null",
    ],
)
def test_a_trigger_that_does_not_decode_is_marked(
    db: Database, clock: Clock, triggers: TriggerStore, definition: str
) -> None:
    put_trigger(db, clock, "broken", definition, type_="ON_DEMAND", state="CREATED")
    (found,) = triggers.list_triggers(limit=10)
    assert found.name == "broken" and found.load_error is not None
    assert found.load_error.startswith("the stored definition cannot be read")
    assert triggers.get("broken").load_error == found.load_error


def test_a_job_that_does_not_decode_is_marked_and_cannot_run(
    db: Database, clock: Clock, jobs: JobStore, triggers: TriggerStore
) -> None:
    jobs.create(make_job("good"), clock())
    put_job(db, clock, "bad", '{"name": "bad", "script_location": "/x.py", "command": '
            '"glueetl", "executor": "pool", "colour": "red"}')  # fmt: skip
    listed = {j.name: j for j in jobs.list_jobs(10)}
    assert listed["good"].load_error is None
    assert listed["bad"].load_error is not None and "colour" in listed["bad"].load_error
    assert [j.name for j in DefinitionsStore(db, jobs, triggers).export()[0]] == ["bad", "good"]
    with pytest.raises(InvalidInput) as refused:
        new_run(jobs.get("bad"), clock(), arguments={})
    assert refused.value.field == "job_name" and "cannot be run" in refused.value.message


def test_bad_json_reads_as_a_placeholder_on_sqlite(tmp_path: Path, clock: Clock) -> None:
    """Only SQLite can hold it: PostgreSQL refuses invalid JSON when it is written."""
    db = Database(f"sqlite:///{tmp_path / 'torn.db'}")
    upgrade(db)
    jobs, triggers = JobStore(db), TriggerStore(db)
    put_job(db, clock, "torn", '{"name": "torn", "script_loc')
    put_trigger(db, clock, "torn", "{not json", type_="SCHEDULED")
    (job,) = jobs.list_jobs(10)
    (trigger,) = triggers.list_triggers(limit=10)
    assert job.load_error is not None and "not valid JSON" in job.load_error
    assert trigger.load_error is not None and "not valid JSON" in trigger.load_error
    assert trigger.type is TriggerType.SCHEDULED
    db.dispose()


def test_an_unreadable_conditional_trigger_never_breaks_a_run_ending(
    db: Database, clock: Clock, jobs: JobStore, runs: RunStore, triggers: TriggerStore
) -> None:
    """The watch index still names the trigger; the run that completes must end anyway."""
    for name in ("upstream", "downstream"):
        jobs.create(make_job(name, command=CommandName.PYTHONSHELL), clock())
    watcher = Trigger(
        name="watcher", type=TriggerType.CONDITIONAL, actions=(Action("downstream"),),
        predicate=Predicate(conditions=(Condition("upstream", RunState.SUCCEEDED),)),
        state=TriggerState.ACTIVATED,
    )  # fmt: skip
    triggers.create(watcher, clock())
    with db.engine.begin() as conn:
        conn.execute(sa.update(triggers_table).values(definition={"name": "watcher"}))
        assert conn.execute(sa.select(sa.func.count()).select_from(trigger_watches)).scalar() == 1
    firing = Firing(db, runs, triggers, clock)
    runs.on_completion = firing.on_completion
    job = jobs.get("upstream")
    run = runs.create(new_run(job, clock(), arguments={}), job, clock())
    runs.transition(run.id, (RunState.STARTING,), RunState.RUNNING, clock())
    ended = runs.transition(run.id, (RunState.RUNNING,), RunState.SUCCEEDED, clock())
    assert ended.run.state is RunState.SUCCEEDED and ended.started == ()
    assert runs.get(run.id).state is RunState.SUCCEEDED
