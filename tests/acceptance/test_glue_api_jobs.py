"""Glue's own clients against a live daemon: jobs and runs over boto3 and the AWS CLI, and
each refusal with Glue's error code. One daemon for the module (Python shell jobs: no
Spark); every test names its own jobs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import botocore.exceptions
import pytest

from tests.acceptance.conftest import SLEEPER
from tests.support.daemon import DaemonProcess
from tests.support.glue import aws, data_url, glue_client, glue_daemon, wait_run
from tests.support.waiting import unique

HELLO = """\
import sys
from stoker.job import get_resolved_options
print("hello", get_resolved_options(sys.argv, ["day"])["day"], flush=True)
"""
#: Fails on Mondays: its first run fails, a retry with the same arguments too.
MONDAYS_FAIL = HELLO + """\
if get_resolved_options(sys.argv, ["day"])["day"] == "mon":
    raise SystemExit("closed on Mondays")
"""


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DaemonProcess]:
    with glue_daemon(tmp_path_factory.mktemp("glue-jobs")) as process:
        yield process


@pytest.fixture(scope="module")
def glue(daemon: DaemonProcess) -> Any:
    return glue_client(daemon)


def create(glue: Any, script: str = HELLO, **members: Any) -> str:
    name = unique("glue")
    command = {"Name": "pythonshell", "ScriptLocation": data_url(script), "PythonVersion": "3.9"}
    glue.create_job(Name=name, Role="arn:aws:iam::000000000000:role/etl", Command=command,
                    **members)  # fmt: skip
    return name


def code(call: Any, **kwargs: Any) -> str:
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        call(**kwargs)
    error: str = refused.value.response["Error"]["Code"]
    return error


def test_a_job_created_over_boto3_runs_to_succeeded(glue: Any, daemon: DaemonProcess) -> None:
    name = create(glue, DefaultArguments={"--day": "mon"}, Timeout=30, MaxRetries=1,
                  ExecutionProperty={"MaxConcurrentRuns": 2}, Tags={"team": "data"},
                  NotificationProperty={"NotifyDelayAfter": 5})  # fmt: skip
    job = glue.get_job(JobName=name)["Job"]
    assert (job["Timeout"], job["MaxRetries"], job["ExecutionProperty"]) == (
        30, 1, {"MaxConcurrentRuns": 2})  # fmt: skip
    assert job["Command"]["ScriptLocation"].startswith(str(daemon.workdir / "data" / "scripts"))
    assert job["NotificationProperty"] == {"NotifyDelayAfter": 5}
    run_id = glue.start_job_run(JobName=name, Arguments={"--day": "tue"}, Timeout=10,
                                NotificationProperty={"NotifyDelayAfter": 3})["JobRunId"]
    run = wait_run(glue, name, run_id)
    assert run["JobRunState"] == "SUCCEEDED", run
    assert (run["Id"], run["Attempt"], run["Arguments"], run["Timeout"]) == (
        run_id, 0, {"--day": "tue"}, 10)  # fmt: skip
    assert run["NotificationProperty"] == {"NotifyDelayAfter": 3}
    assert run["CompletedOn"] >= run["StartedOn"] and "ExecutionTime" in run
    assert daemon.logs(run_id).strip() == "hello tue"  # the run the native API shows
    assert daemon.run(run_id)["state"] == "SUCCEEDED"


def test_an_ended_run_is_retried_by_its_job_run_id(glue: Any) -> None:
    name = create(glue, MONDAYS_FAIL)
    failed = glue.start_job_run(JobName=name, Arguments={"--day": "mon"})["JobRunId"]
    assert wait_run(glue, name, failed)["JobRunState"] == "FAILED"
    # The next attempt of that run, with its arguments.
    retry = glue.start_job_run(JobName=name, JobRunId=failed)["JobRunId"]
    again = wait_run(glue, name, retry)
    assert (again["JobRunState"], again["Attempt"], again["PreviousRunId"], again["Arguments"]) == (
        "FAILED", 1, failed, {"--day": "mon"})  # fmt: skip
    # Arguments given replace them.
    fixed = glue.start_job_run(JobName=name, JobRunId=retry, Arguments={"--day": "tue"})
    done = wait_run(glue, name, fixed["JobRunId"])
    assert (done["JobRunState"], done["Attempt"], done["PreviousRunId"]) == ("SUCCEEDED", 2, retry)
    # Nothing to retry in a succeeded run, an unknown one, or another job's.
    assert code(glue.start_job_run, JobName=name, JobRunId=fixed["JobRunId"]) == (
        "InvalidInputException")  # fmt: skip
    assert code(glue.start_job_run, JobName=name, JobRunId="jr_nope") == "EntityNotFoundException"
    other = create(glue)
    assert code(glue.start_job_run, JobName=other, JobRunId=failed) == "InvalidInputException"


def test_jobs_are_listed_paged_updated_and_deleted(glue: Any) -> None:
    names = sorted(create(glue, Tags={"batch": "x"}) for _ in range(3))
    paginator = glue.get_paginator("get_jobs")
    pages = list(paginator.paginate(PaginationConfig={"PageSize": 2}))
    assert len(pages) >= 2 and all(len(p["Jobs"]) <= 2 for p in pages)
    listed = [j["Name"] for p in pages for j in p["Jobs"]]
    assert set(names) <= set(listed) and len(listed) == len(set(listed))
    tagged = glue.list_jobs(Tags={"batch": "x"}, MaxResults=1000)["JobNames"]
    assert sorted(tagged) == names
    batch = glue.batch_get_jobs(JobNames=[names[0], "no-such-job"])
    assert [j["Name"] for j in batch["Jobs"]] == [names[0]]
    assert batch["JobsNotFound"] == ["no-such-job"]
    glue.update_job(JobName=names[0], JobUpdate={
        "Role": "r", "Command": {"Name": "pythonshell", "ScriptLocation": data_url("print(2)")},
        "Description": "second version", "MaxRetries": 3})  # fmt: skip
    job = glue.get_job(JobName=names[0])["Job"]
    assert (job["Description"], job["MaxRetries"], job["Timeout"]) == ("second version", 3, 2880)
    assert glue.get_tags(ResourceArn=f"arn:aws:glue:us-east-1:000000000000:job/{names[0]}")[
        "Tags"] == {"batch": "x"}  # UpdateJob keeps the tags, as in Glue
    assert glue.delete_job(JobName=names[0])["JobName"] == names[0]
    assert glue.delete_job(JobName=names[0])["JobName"] == names[0]  # gone: still no error
    assert code(glue.get_job, JobName=names[0]) == "EntityNotFoundException"


def test_get_job_runs_pages_newest_first(glue: Any) -> None:
    name = create(glue, ExecutionProperty={"MaxConcurrentRuns": 5}, JobRunQueuingEnabled=True,
                  DefaultArguments={"--day": "x"})  # fmt: skip
    started = [glue.start_job_run(JobName=name)["JobRunId"] for _ in range(5)]
    for run_id in started:
        assert wait_run(glue, name, run_id)["JobRunState"] == "SUCCEEDED"
    first = glue.get_job_runs(JobName=name, MaxResults=2)
    assert len(first["JobRuns"]) == 2 and "NextToken" in first
    paginator = glue.get_paginator("get_job_runs")
    pages = list(paginator.paginate(JobName=name, PaginationConfig={"PageSize": 2}))
    assert [len(p["JobRuns"]) for p in pages] == [2, 2, 1]
    assert [r["Id"] for p in pages for r in p["JobRuns"]] == started[::-1]


def test_a_run_is_stopped_with_batch_stop_job_run(glue: Any) -> None:
    name = create(glue, SLEEPER)
    run_id = glue.start_job_run(JobName=name)["JobRunId"]
    wait_run(glue, name, run_id, {"RUNNING"})
    answer = glue.batch_stop_job_run(JobName=name, JobRunIds=[run_id, "jr_" + "0" * 64])
    assert answer["SuccessfulSubmissions"] == [{"JobName": name, "JobRunId": run_id}]
    assert [e["ErrorDetail"]["ErrorCode"] for e in answer["Errors"]] == ["EntityNotFoundException"]
    assert wait_run(glue, name, run_id)["JobRunState"] == "STOPPED"
    again = glue.batch_stop_job_run(JobName=name, JobRunIds=[run_id])
    assert again["SuccessfulSubmissions"] == []
    assert again["Errors"][0]["ErrorDetail"]["ErrorCode"] == "InvalidInputException"


def test_over_the_concurrency_limit_with_queuing_off(glue: Any) -> None:
    name = create(glue, SLEEPER)  # Glue's defaults: MaxConcurrentRuns 1, no queuing
    first = glue.start_job_run(JobName=name)["JobRunId"]
    assert code(glue.start_job_run, JobName=name) == "ConcurrentRunsExceededException"
    queued = glue.start_job_run(JobName=name, JobRunQueuingEnabled=True)["JobRunId"]
    run = glue.get_job_run(JobName=name, RunId=queued)["JobRun"]
    assert run["JobRunState"] == "WAITING" and run["JobRunQueuingEnabled"] is True
    glue.batch_stop_job_run(JobName=name, JobRunIds=[queued, first])
    assert wait_run(glue, name, first)["JobRunState"] == "STOPPED"


def test_each_error_case_has_glues_code(glue: Any, daemon: DaemonProcess) -> None:
    name = create(glue)
    assert code(glue.get_job, JobName="no-such-job") == "EntityNotFoundException"
    assert code(glue.start_job_run, JobName="no-such-job") == "EntityNotFoundException"
    assert code(glue.get_job_run, JobName=name, RunId="jr_" + "1" * 64) == (
        "EntityNotFoundException")  # fmt: skip
    assert code(glue.create_job, Name=name, Role="r", Command={"ScriptLocation": data_url("1")}
                ) == "AlreadyExistsException"  # fmt: skip
    assert code(glue.create_job, Name="bad name!", Role="r",
                Command={"ScriptLocation": data_url("1")}) == "InvalidInputException"
    assert code(glue.start_job_run, JobName=name,
                Arguments={"--job-bookmark-option": "sometimes"}) == "InvalidInputException"
    assert code(glue.create_job, Name=unique("s3"), Role="r",
                Command={"ScriptLocation": "s3://bucket/a.py"}) == "InvalidInputException"
    assert code(glue_client(daemon, secret="wrong").get_jobs) == "AccessDeniedException"
    assert code(glue_client(daemon, key_id="AKIANOBODYKNOWSTHIS0").get_jobs) == (
        "UnrecognizedClientException")  # fmt: skip
    assert code(glue.list_crawlers) == "UnknownOperationException"
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        glue.list_crawlers()
    assert "ListCrawlers" in refused.value.response["Error"]["Message"]


def test_the_aws_cli_drives_the_same_endpoint(daemon: DaemonProcess, glue: Any,
                                              tmp_path: Path) -> None:  # fmt: skip
    name = create(glue, DefaultArguments={"--day": "cli"})
    got = aws(daemon, "get-job", "--job-name", name, home=tmp_path)
    assert got.returncode == 0, got.stderr
    assert json.loads(got.stdout)["Job"]["Name"] == name
    started = aws(daemon, "start-job-run", "--job-name", name, home=tmp_path)
    assert started.returncode == 0, started.stderr
    run_id = json.loads(started.stdout)["JobRunId"]
    assert wait_run(glue, name, run_id)["JobRunState"] == "SUCCEEDED"
    runs = aws(daemon, "get-job-runs", "--job-name", name, home=tmp_path)
    assert [r["Id"] for r in json.loads(runs.stdout)["JobRuns"]] == [run_id]
    missing = aws(daemon, "get-job", "--job-name", "no-such-job", home=tmp_path)
    assert missing.returncode != 0 and "EntityNotFoundException" in missing.stderr
    denied = aws(daemon, "get-jobs", secret="wrong", home=tmp_path)
    assert denied.returncode != 0 and "AccessDeniedException" in denied.stderr
