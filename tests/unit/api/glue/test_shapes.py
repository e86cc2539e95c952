"""Glue's members to and from stoker's domain: every member sent is one Glue's model (as
botocore ships it) has, with its type; Glue's defaults and stoker's script mapping."""

from __future__ import annotations

import base64
import json
from dataclasses import replace
from typing import Any

import botocore.session
import pytest
from botocore.model import Shape

from stoker.api.glue.errors import GlueError
from stoker.api.glue.jobs_shapes import job_from_glue, job_member, run_member, script_source
from stoker.api.glue.members import Members
from stoker.api.glue.triggers_shapes import bookmark_entry, trigger_from_glue, trigger_member
from stoker.domain.bookmarks import BookmarkAction, BookmarkVersion
from stoker.domain.jobs import CommandName, ExecutorKind
from stoker.domain.states import RunState
from stoker.domain.triggers import Condition, Logical, Predicate, TriggerType
from tests.unit.api.fakes import T0, make_job, make_run, make_trigger

MODEL = botocore.session.get_session().get_service_model("glue")
_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,), "integer": (int,), "long": (int,), "boolean": (bool,),
    "double": (int, float), "timestamp": (int, float), "map": (dict,), "list": (list,),
    "structure": (dict,),
}  # fmt: skip


def conforms(value: Any, shape: Shape, where: str) -> None:
    """``value`` has only members ``shape`` names, each of the JSON type the model says."""
    assert isinstance(value, _TYPES[shape.type_name]), f"{where}: {value!r} is no {shape.type_name}"
    if shape.type_name == "structure":
        members = shape.members  # type: ignore[attr-defined]
        for name, item in value.items():
            assert name in members, f"{where}.{name} is not a member of {shape.name}"
            conforms(item, members[name], f"{where}.{name}")
    elif shape.type_name == "list":
        for i, item in enumerate(value):
            conforms(item, shape.member, f"{where}[{i}]")  # type: ignore[attr-defined]
    elif shape.type_name == "map":
        for key, item in value.items():
            conforms(item, shape.value, f"{where}[{key}]")  # type: ignore[attr-defined]


def test_job_run_trigger_and_bookmark_members_conform_to_glues_model() -> None:
    job = make_job(notify_delay_after=5, default_arguments={"--api_token": "s3cret"})
    conforms(job_member(job), MODEL.shape_for("Job"), "Job")
    run = make_run(completed_on=T0, error_message="boom", triggered_by="nightly",
                   predecessor_runs=[{"job_name": "a", "run_id": "jr_x"}])  # fmt: skip
    conforms(run_member(run), MODEL.shape_for("JobRun"), "JobRun")
    conditional = make_trigger(
        type=TriggerType.CONDITIONAL, schedule=None,
        predicate=Predicate(Logical.ANY, (Condition("a", RunState.FAILED),)),
    )  # fmt: skip
    for trigger in (make_trigger(), conditional):
        conforms(trigger_member(trigger), MODEL.shape_for("Trigger"), "Trigger")
    version = BookmarkVersion("etl", 3, 2, 0, "jr_a", None, BookmarkAction.COMMIT, T0,
                              {"src": {"type": "files", "low": 1}})  # fmt: skip
    entry = bookmark_entry(version)
    conforms(entry, MODEL.shape_for("JobBookmarkEntry"), "JobBookmarkEntry")
    assert json.loads(entry["JobBookmark"]) == version.elements


def test_members_say_what_glue_says_and_mask_secrets() -> None:
    job = job_member(make_job(default_arguments={"--api_token": "s3cret", "--day": "1"}))
    assert job["DefaultArguments"] == {"--api_token": "****", "--day": "1"}
    assert job["CreatedOn"] == T0.timestamp() and job["JobMode"] == "SCRIPT"
    naive = make_run(started_on=T0.replace(tzinfo=None), triggered_by="manual")
    member = run_member(naive, predecessors=False)
    assert member["StartedOn"] == T0.timestamp()  # stores hand back naive UTC
    assert "TriggerName" not in member and "PredecessorRuns" not in member
    assert run_member(make_run(triggered_by="nightly"))["TriggerName"] == "nightly"


def test_script_locations_map_onto_the_script_store() -> None:
    text = "print('héllo')\n"
    encoded = base64.b64encode(text.encode()).decode()
    assert script_source(f"data:text/x-python;base64,{encoded}") == ("", text)
    assert script_source("data:,print(1)%0A") == ("", "print(1)\n")
    assert script_source("file:///srv/jobs/a%20b.py") == ("/srv/jobs/a b.py", None)
    assert script_source("/srv/jobs/a.py") == ("/srv/jobs/a.py", None)
    # The job catalog reads it through [glue] s3_buckets (tests/unit/jobs/test_s3scripts.py).
    assert script_source("s3://bucket/a.py") == ("s3://bucket/a.py", None)
    for bad in ("data:text/x-python;base64,***", "data:nocomma"):
        with pytest.raises(GlueError) as refused:
            script_source(bad)
        assert refused.value.type == "InvalidInputException"


def _create(**members: Any) -> Members:
    return Members({"Name": "etl", "Role": "r",
                    "Command": {"Name": "pythonshell", "ScriptLocation": "/s/a.py"}, **members})


def test_create_job_takes_glues_defaults() -> None:
    job, script = job_from_glue("etl", _create(), None)
    assert script is None and job.script_location == "/s/a.py"
    assert job.command is CommandName.PYTHONSHELL
    assert (job.max_concurrent_runs, job.max_retries, job.timeout) == (1, 0, 2880)
    assert job.job_run_queuing_enabled is False  # Glue's default; stoker's API says true
    job, _ = job_from_glue("etl", _create(
        ExecutionProperty={"MaxConcurrentRuns": 3}, MaxRetries=2, Timeout=10,
        NotificationProperty={"NotifyDelayAfter": 4}, JobRunQueuingEnabled=True,
        Tags={"team": "a"}, DefaultArguments={"--x": "1"}, GlueVersion="4.0",
    ), None)  # fmt: skip
    assert (job.max_concurrent_runs, job.max_retries, job.timeout) == (3, 2, 10)
    assert (job.notify_delay_after, job.job_run_queuing_enabled) == (4, True)
    assert job.tags == {"team": "a"} and job.default_arguments == {"--x": "1"}


def test_update_job_replaces_the_definition_but_keeps_what_glue_cannot_say() -> None:
    current = make_job(tags={"team": "a"}, executor=ExecutorKind.ISOLATED, max_retries=3,
                       spark_conf={"spark.x": "1"}, log_retention_days="never",
                       default_arguments={"--db_password": "real"})  # fmt: skip
    update = Members({"Command": {"ScriptLocation": current.script_location},
                      "DefaultArguments": {"--db_password": "****"}})  # fmt: skip
    job, _ = job_from_glue("etl", update, current)
    assert job.max_retries == 0  # omitted: reset, as Glue's UpdateJob does
    assert (job.tags, job.executor, job.spark_conf) == (current.tags, current.executor,
                                                        current.spark_conf)  # fmt: skip
    # stoker's per-job retention: Glue's Job has no member for it, so it stays as stored.
    assert job.log_retention_days == "never"
    assert not any("retention" in member.lower() for member in job_member(job))
    assert job.default_arguments == {"--db_password": "real"}  # the mask kept the secret


@pytest.mark.parametrize("members", [
    {"Command": {"Name": "gluestreaming", "ScriptLocation": "/a.py"}},
    {"Command": {"ScriptLocation": "/a.py", "PythonVersion": "2"}},
    {"Command": {"ScriptLocation": 5}},
    {"Command": {"ScriptLocation": "/a.py"}, "Timeout": 0},
    {"Command": {"ScriptLocation": "/a.py"}, "ExecutionProperty": {"MaxConcurrentRuns": "2"}},
    {"Command": {"ScriptLocation": "/a.py"}, "Connections": {"Connections": ["pg"]}},
    {"Command": {"ScriptLocation": "/a.py"}, "DefaultArguments": {"--x": 1}},
])  # fmt: skip
def test_bad_job_members_are_invalid_input_naming_the_member(members: dict[str, Any]) -> None:
    with pytest.raises(GlueError) as refused:
        job_from_glue("etl", Members({"Name": "etl", "Role": "r", **members}), None)
    assert refused.value.type == "InvalidInputException"


def test_trigger_members_map_and_update_only_changes_what_it_names() -> None:
    trigger = trigger_from_glue("t", TriggerType.CONDITIONAL, Members({
        "Actions": [{"JobName": "b", "Arguments": {"--x": "1"}, "Timeout": 5,
                     "NotificationProperty": {"NotifyDelayAfter": 2}}],
        "Predicate": {"Logical": "ANY", "Conditions": [
            {"LogicalOperator": "EQUALS", "JobName": "a", "State": "FAILED"}]},
    }))  # fmt: skip
    assert trigger.predicate == Predicate(Logical.ANY, (Condition("a", RunState.FAILED),))
    assert (trigger.actions[0].timeout, trigger.actions[0].notify_delay_after) == (5, 2)
    current = replace(make_trigger(), description="kept")
    updated = trigger_from_glue("nightly", current.type, Members({"Schedule": "cron(5 * * * ? *)"}),
                                current)  # fmt: skip
    assert updated.schedule == "cron(5 * * * ? *)"
    assert (updated.description, updated.actions) == ("kept", current.actions)


@pytest.mark.parametrize("members", [
    {"Actions": [{"CrawlerName": "c"}]},
    {"Actions": [{"JobName": "a"}], "WorkflowName": "w"},
    {"Actions": []},
    {"Actions": [{"JobName": "a"}], "Predicate": {"Conditions": [{"JobName": "b",
                                                                 "State": "RUNNING"}]}},
])  # fmt: skip
def test_bad_trigger_members_are_refused(members: dict[str, Any]) -> None:
    with pytest.raises(Exception) as refused:
        trigger_from_glue("t", TriggerType.CONDITIONAL, Members(members))
    assert getattr(refused.value, "type", getattr(refused.value, "code", None)) in (
        "InvalidInputException", "InvalidInput")  # fmt: skip


def test_a_triggers_tags_are_stored_with_its_definition() -> None:
    from stoker.store.trigger_codec import trigger_from_json, trigger_to_json

    tagged = make_trigger(tags={"team": "data"})
    assert trigger_from_json(trigger_to_json(tagged)).tags == {"team": "data"}
    untagged = {k: v for k, v in trigger_to_json(tagged).items() if k != "tags"}
    assert trigger_from_json(untagged).tags == {}  # definitions stored before tags existed
    with pytest.raises(TypeError):
        trigger_from_json({**trigger_to_json(tagged), "tags": {"team": 5}})
