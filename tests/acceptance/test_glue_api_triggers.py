"""Glue's own clients against a live daemon: triggers, bookmarks and tags over boto3. One
daemon for the module (Python shell jobs: no Spark)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import botocore.exceptions
import pytest

from tests.support.daemon import DaemonProcess
from tests.support.glue import data_url, glue_client, glue_daemon, wait_run
from tests.support.waiting import eventually, unique

QUICK = "print('done', flush=True)\n"
#: A Python shell job that commits a bookmark without Spark: one files source whose
#: state is the ``--low`` it is given (stoker.job's commit protocol, as a Spark read makes it).
COMMITS = """\
import sys
from stoker.job import init
job = init(sys.argv, spark=object())
job._remember("src", {"type": "files", "low": int(job.arguments["low"]), "band": {}}, "set")
job.commit()
"""
ENABLE = {"--job-bookmark-option": "job-bookmark-enable"}


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DaemonProcess]:
    with glue_daemon(tmp_path_factory.mktemp("glue-triggers")) as process:
        yield process


@pytest.fixture(scope="module")
def glue(daemon: DaemonProcess) -> Any:
    return glue_client(daemon)


def create(glue: Any, script: str = QUICK, **members: Any) -> str:
    name = unique("job")
    glue.create_job(Name=name, Role="r", Command={"Name": "pythonshell",
                    "ScriptLocation": data_url(script)}, **members)  # fmt: skip
    return name


def code(call: Any, **kwargs: Any) -> str:
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        call(**kwargs)
    error: str = refused.value.response["Error"]["Code"]
    return error


def runs_of(glue: Any, job: str) -> list[dict[str, Any]]:
    runs: list[dict[str, Any]] = glue.get_job_runs(JobName=job)["JobRuns"]
    return runs


def test_an_on_demand_trigger_starts_its_job(glue: Any) -> None:
    job = create(glue)
    name = unique("now")
    glue.create_trigger(Name=name, Type="ON_DEMAND",
                        Actions=[{"JobName": job, "Arguments": {"--day": "1"}}])  # fmt: skip
    assert glue.start_trigger(Name=name)["Name"] == name
    run = eventually(lambda: runs_of(glue, job), "the trigger's run")[0]
    assert (run["TriggerName"], run["Arguments"]) == (name, {"--day": "1"})
    assert wait_run(glue, job, run["Id"])["JobRunState"] == "SUCCEEDED"
    assert code(glue.create_trigger, Name=name, Type="ON_DEMAND",
                Actions=[{"JobName": job}]) == "AlreadyExistsException"  # fmt: skip


def test_a_conditional_trigger_records_its_predecessor(glue: Any) -> None:
    first, second = create(glue), create(glue)
    name = unique("after")
    glue.create_trigger(Name=name, Type="CONDITIONAL", StartOnCreation=True,
                        Predicate={"Conditions": [{"LogicalOperator": "EQUALS",
                                                   "JobName": first, "State": "SUCCEEDED"}]},
                        Actions=[{"JobName": second}])  # fmt: skip
    assert glue.get_trigger(Name=name)["Trigger"]["State"] == "ACTIVATED"
    upstream = glue.start_job_run(JobName=first)["JobRunId"]
    run = eventually(lambda: runs_of(glue, second), "the conditional run")[0]
    detail = glue.get_job_run(JobName=second, RunId=run["Id"], PredecessorsIncluded=True)
    assert detail["JobRun"]["PredecessorRuns"] == [{"JobName": first, "RunId": upstream}]
    assert detail["JobRun"]["TriggerName"] == name


def test_scheduled_triggers_start_stop_update_list_and_delete(glue: Any) -> None:
    job = create(glue)
    names = sorted(unique("sched") for _ in range(3))
    for name in names:
        glue.create_trigger(Name=name, Type="SCHEDULED", Schedule="cron(0 3 * * ? *)",
                            Actions=[{"JobName": job, "Timeout": 7}],
                            Description="nightly")  # fmt: skip
    assert glue.get_trigger(Name=names[0])["Trigger"]["State"] == "CREATED"
    glue.start_trigger(Name=names[0])
    assert glue.get_trigger(Name=names[0])["Trigger"]["State"] == "ACTIVATED"
    glue.stop_trigger(Name=names[0])
    assert glue.get_trigger(Name=names[0])["Trigger"]["State"] == "DEACTIVATED"
    updated = glue.update_trigger(Name=names[0], TriggerUpdate={"Schedule": "cron(5 4 * * ? *)"})
    trigger = updated["Trigger"]
    assert (trigger["Schedule"], trigger["Description"]) == ("cron(5 4 * * ? *)", "nightly")
    assert trigger["Actions"] == [{"JobName": job, "Arguments": {}, "Timeout": 7}]
    dependent = glue.get_triggers(DependentJobName=job)["Triggers"]
    assert sorted(t["Name"] for t in dependent) == names
    pages = list(glue.get_paginator("list_triggers").paginate(
        DependentJobName=job, PaginationConfig={"PageSize": 2}))  # fmt: skip
    assert [n for p in pages for n in p["TriggerNames"]] == names
    batch = glue.batch_get_triggers(TriggerNames=[names[1], "no-such-trigger"])
    assert [t["Name"] for t in batch["Triggers"]] == [names[1]]
    assert batch["TriggersNotFound"] == ["no-such-trigger"]
    glue.delete_trigger(Name=names[2])
    glue.delete_trigger(Name=names[2])  # as in Glue: deleting a missing trigger is no error
    assert code(glue.get_trigger, Name=names[2]) == "EntityNotFoundException"
    assert code(glue.create_trigger, Name=unique("bad"), Type="SCHEDULED", Schedule="cron(nope)",
                Actions=[{"JobName": job}]) == "InvalidInputException"  # fmt: skip
    assert code(glue.create_trigger, Name=unique("ev"), Type="EVENT",
                Actions=[{"JobName": job}]) == "InvalidInputException"  # fmt: skip


def test_a_bookmark_is_read_rewound_and_reset(glue: Any) -> None:
    job = create(glue, COMMITS, DefaultArguments=ENABLE)
    committed = []
    for low in ("100", "200"):
        run_id = glue.start_job_run(JobName=job, Arguments={"--low": low})["JobRunId"]
        assert wait_run(glue, job, run_id)["JobRunState"] == "SUCCEEDED"
        committed.append(run_id)
    entry = glue.get_job_bookmark(JobName=job)["JobBookmarkEntry"]
    assert (entry["Version"], entry["Run"], entry["RunId"]) == (2, 2, committed[1])
    assert '"low":200' in entry["JobBookmark"]
    at_first = glue.get_job_bookmark(JobName=job, RunId=committed[0])["JobBookmarkEntry"]
    assert (at_first["Version"], at_first["RunId"]) == (1, committed[0])
    rewound = glue.reset_job_bookmark(JobName=job, RunId=committed[0])["JobBookmarkEntry"]
    assert rewound["Version"] == 3 and '"low":100' in rewound["JobBookmark"]
    reset = glue.reset_job_bookmark(JobName=job)["JobBookmarkEntry"]
    assert (reset["Version"], reset["JobBookmark"]) == (4, "{}")
    assert code(glue.get_job_bookmark, JobName="no-such-job") == "EntityNotFoundException"


def test_tags_on_a_trigger_survive_its_update(glue: Any) -> None:
    job = create(glue)
    name = unique("tagged")
    glue.create_trigger(Name=name, Type="ON_DEMAND", Actions=[{"JobName": job}],
                        Tags={"team": "data"})  # fmt: skip
    arn = f"arn:aws:glue:us-east-1:000000000000:trigger/{name}"
    glue.tag_resource(ResourceArn=arn, TagsToAdd={"env": "prod"})
    glue.update_trigger(Name=name, TriggerUpdate={"Description": "changed"})
    assert glue.get_tags(ResourceArn=arn)["Tags"] == {"team": "data", "env": "prod"}
    assert glue.list_triggers(Tags={"env": "prod"}, DependentJobName=job)["TriggerNames"] == [
        name]  # fmt: skip
    glue.untag_resource(ResourceArn=arn, TagsToRemove=["team", "absent"])
    assert glue.get_tags(ResourceArn=arn)["Tags"] == {"env": "prod"}
    assert code(glue.get_tags, ResourceArn="arn:aws:glue:us-east-1:0:crawler/c") == (
        "InvalidInputException")  # fmt: skip


def test_tags_on_a_job_are_added_read_and_removed(glue: Any) -> None:
    job = create(glue, Tags={"team": "data"})
    arn = f"arn:aws:glue:us-east-1:000000000000:job/{job}"
    glue.tag_resource(ResourceArn=arn, TagsToAdd={"env": "prod", "team": "etl"})
    assert glue.get_tags(ResourceArn=arn)["Tags"] == {"env": "prod", "team": "etl"}
    glue.untag_resource(ResourceArn=arn, TagsToRemove=["env"])
    assert glue.get_tags(ResourceArn=arn)["Tags"] == {"team": "etl"}
    assert glue.list_jobs(Tags={"team": "etl"})["JobNames"] == [job]
    missing = "arn:aws:glue:us-east-1:000000000000:job/no-such-job"
    assert code(glue.get_tags, ResourceArn=missing) == "EntityNotFoundException"
