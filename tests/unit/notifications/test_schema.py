"""Every event stoker.domain.events builds validates against the published JSON Schema."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

import jsonschema
import pytest

from stoker.domain.bookmarks import BookmarkAction, BookmarkVersion
from stoker.domain.events import (
    EventIdentity,
    bookmark_change_event,
    run_status_event,
    state_change_event,
)
from stoker.domain.ids import new_run_id
from stoker.domain.runs import JobRun
from stoker.domain.states import TRANSITIONS, RunState
from tests.unit.notifications.events_schema import assert_valid, validator

T0 = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
IDENTITIES = [EventIdentity(), EventIdentity(glue_compatible=True)]


def make_run(state: RunState, **fields: object) -> JobRun:
    terminal = state.terminal
    base: dict[str, object] = {
        "id": new_run_id(),
        "job_name": "orders_etl",
        "state": state,
        "attempt": 0,
        "previous_run_id": None,
        "triggered_by": "manual",
        "arguments": {},
        "resolved_arguments": {},
        "timeout": 2880,
        "notify_delay_after": 1,
        "executor": "pyshell",
        "max_retries": 0,
        "queuing_enabled": False,
        "started_on": T0,
        "last_modified_on": T0,
        "completed_on": T0 + timedelta(seconds=3) if terminal else None,
        "execution_time": 3 if terminal else 0,
        "error_message": "ValueError: boom" if state in (RunState.FAILED, RunState.ERROR) else None,
    }
    base.update(fields)
    return JobRun(**base)  # type: ignore[arg-type]


def transitions() -> list[tuple[RunState | None, RunState]]:
    pairs: list[tuple[RunState | None, RunState]] = [(None, RunState.WAITING)]
    pairs += [(a, b) for a, targets in TRANSITIONS.items() for b in sorted(targets)]
    return pairs


@pytest.mark.parametrize("who", IDENTITIES, ids=["stoker", "glue"])
@pytest.mark.parametrize(("previous", "state"), transitions(), ids=str)
def test_every_state_change_validates(
    who: EventIdentity, previous: RunState | None, state: RunState
) -> None:
    assert_valid(state_change_event(make_run(state), previous, T0, who))


@pytest.mark.parametrize("state", list(RunState))
def test_every_first_state_and_retry_validates(state: RunState) -> None:
    retry = make_run(
        state, attempt=2, previous_run_id=new_run_id(), triggered_by="retry", state_detail="why"
    )
    assert_valid(state_change_event(retry, None, T0, EventIdentity()))


@pytest.mark.parametrize("who", IDENTITIES, ids=["stoker", "glue"])
@pytest.mark.parametrize("state", [RunState.STARTING, RunState.RUNNING, RunState.STOPPING])
def test_run_status_validates(who: EventIdentity, state: RunState) -> None:
    event = run_status_event(make_run(state), T0, who)
    assert_valid(event)
    assert isinstance(event["detail"]["notificationCondition"]["NotifyDelayAfter"], float)


def test_glue_example_from_the_reference_validates() -> None:
    example = {
        "version": "0", "id": "0b7c2a11-6f0d-4d55-8f43-8d2e6a9b7c10",
        "detail-type": "Glue Job Run Status", "source": "aws.glue", "account": "000000000000",
        "time": "2026-11-24T09:17:40Z", "region": "local", "resources": [],
        "detail": {"jobName": "orders_etl", "severity": "INFO",
                   "notificationCondition": {"NotifyDelayAfter": 1.0}, "state": "RUNNING",
                   "jobRunId": "jr_" + "3" * 64, "message": "Job is in RUNNING state",
                   "startedOn": "2026-11-24T09:16:31.512Z"},
    }  # fmt: skip
    assert_valid(example)


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("detail", "state"), "EXPIRED"),
        (("detail", "severity"), "DEBUG"),
        (("detail-type",), "Something Else"),
        (("account",), "123"),
        (("detail", "jobRunId"), "run-1"),
        (("detail", "surprise"), 1),
    ],
)
def test_schema_rejects_what_is_not_the_contract(path: tuple[str, ...], value: object) -> None:
    event = state_change_event(make_run(RunState.SUCCEEDED), RunState.RUNNING, T0, EventIdentity())
    broken = copy.deepcopy(event)
    target = broken
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(jsonschema.ValidationError):
        validator().validate(broken)


def test_run_status_needs_its_condition() -> None:
    event = run_status_event(make_run(RunState.RUNNING), T0, EventIdentity())
    del event["detail"]["notificationCondition"]
    with pytest.raises(jsonschema.ValidationError):
        validator().validate(event)


@pytest.mark.parametrize("who", IDENTITIES)
@pytest.mark.parametrize("action", list(BookmarkAction))
def test_every_bookmark_change_is_valid(who: EventIdentity, action: BookmarkAction) -> None:
    run_id = None if action in (BookmarkAction.RESET, BookmarkAction.SET) else new_run_id()
    version = BookmarkVersion("orders_etl", 3, 2, 1, run_id, None, action, T0, {})
    event = bookmark_change_event(version, T0, who)
    assert_valid(event)
    assert event["detail"]["action"] == action.value and event["detail"]["version"] == 3


def test_a_bookmark_change_with_a_bad_version_is_refused() -> None:
    event = bookmark_change_event(
        BookmarkVersion("j", 1, 1, 0, None, None, BookmarkAction.RESET, T0), T0, EventIdentity()
    )
    event["detail"]["version"] = 0
    assert not validator().is_valid(event)
