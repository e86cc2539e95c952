"""Glue's catalog operations against a live daemon over boto3 and the AWS CLI: what one
writes, stoker's own /catalog API reads (one catalog), and Glue's error codes; a job whose
Command.ScriptLocation is s3:// (read through [glue] s3_buckets); a run's script calling
Glue with the credentials minted for it, which end with the run."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import botocore.exceptions
import pytest

from tests.support.daemon import DaemonProcess
from tests.support.glue import aws, data_url, glue_client, glue_daemon, wait_run
from tests.support.waiting import unique

TOKEN = "native-api-token"
#: A job script as Glue users write them: the SDK finds endpoint, keys and region itself.
CALLS_GLUE = """\
import json, os, sys, urllib.error, urllib.request
import boto3
from stoker.job import get_resolved_options
args = get_resolved_options(sys.argv, ["db", "out"])
glue = boto3.client("glue")
source = glue.get_table(DatabaseName=args["db"], Name="source")["Table"]
glue.create_table(DatabaseName=args["db"], TableInput={
    "Name": "made_in_run", "Parameters": {"classification": "json"},
    "StorageDescriptor": {"Location": "/data/made",
                          "Columns": source["StorageDescriptor"]["Columns"]}})
names = [t["Name"] for t in glue.get_tables(DatabaseName=args["db"])["TableList"]]
api = os.environ["AWS_ENDPOINT_URL_GLUE"].removesuffix("/glue")
statuses = []
for bearer in (os.environ["AWS_SECRET_ACCESS_KEY"], os.environ["AWS_SESSION_TOKEN"]):
    request = urllib.request.Request(api + "/jobs", headers={"Authorization": "Bearer " + bearer})
    try:
        statuses.append(urllib.request.urlopen(request).status)
    except urllib.error.HTTPError as refused:
        statuses.append(refused.code)
with open(args["out"], "w") as fh:  # for the test only: to try the keys after the run
    json.dump({"native": statuses,
               **{k: v for k, v in os.environ.items() if k.startswith("AWS_")}}, fh)
print(*names, flush=True)
"""


@pytest.fixture(scope="module")
def bucket(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The directory [glue] s3_buckets maps bucket ``scripts`` to."""
    return tmp_path_factory.mktemp("bucket-scripts")


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory, bucket: Path) -> Iterator[DaemonProcess]:
    env = {"STOKER_GLUE__S3_BUCKETS": json.dumps({"scripts": str(bucket)}),
           "STOKER_API__TOKENS": json.dumps([TOKEN])}  # fmt: skip
    with glue_daemon(tmp_path_factory.mktemp("glue-catalog"), env=env, token=TOKEN) as process:
        yield process


@pytest.fixture(scope="module")
def glue(daemon: DaemonProcess) -> Any:
    return glue_client(daemon)


def code(call: Any, **kwargs: Any) -> str:
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        call(**kwargs)
    error: str = refused.value.response["Error"]["Code"]
    return error


def table_input(name: str, location: str) -> dict[str, Any]:
    return {
        "Name": name,
        "Parameters": {"classification": "parquet"},
        "StorageDescriptor": {
            "Columns": [{"Name": "id", "Type": "bigint"}, {"Name": "name", "Type": "string"}],
            "Location": location,
        },
        "PartitionKeys": [{"Name": "day", "Type": "string"}],
    }


def test_a_catalog_written_over_boto3_is_stokers_catalog(glue: Any, daemon: DaemonProcess,
                                                         tmp_path: Path) -> None:  # fmt: skip
    db = unique("db").replace("-", "_")
    glue.create_database(DatabaseInput={"Name": db, "Description": "from boto3"})
    assert code(glue.create_database, DatabaseInput={"Name": db}) == "AlreadyExistsException"
    for name in ("events_a", "events_b", "other"):
        glue.create_table(DatabaseName=db, TableInput=table_input(name, f"s3://lake/{name}/"))
    table = glue.get_table(DatabaseName=db, Name="events_a")["Table"]
    assert table["StorageDescriptor"]["Columns"][0] == {"Name": "id", "Type": "bigint"}
    assert table["Parameters"]["classification"] == "parquet"
    paginator = glue.get_paginator("get_tables")
    pages = list(paginator.paginate(DatabaseName=db, Expression="events*",
                                    PaginationConfig={"PageSize": 1}))  # fmt: skip
    assert [t["Name"] for p in pages for t in p["TableList"]] == ["events_a", "events_b"]
    native = daemon.http.get(f"/catalog/databases/{db}/tables/events_a").json()
    assert (native["format"], native["location"]) == ("parquet", "s3://lake/events_a/")
    created = glue.batch_create_partition(DatabaseName=db, TableName="events_a",
                                          PartitionInputList=[{"Values": ["2024-01-01"]},
                                                              {"Values": ["2024-01-02"]}])
    assert created["Errors"] == []
    parts = glue.get_partitions(DatabaseName=db, TableName="events_a",
                                Expression="day = '2024-01-02'")["Partitions"]  # fmt: skip
    assert [p["Values"] for p in parts] == [["2024-01-02"]]
    glue.update_table(DatabaseName=db, TableInput={**table_input("other", "/data/other"),
                                                   "Description": "moved"})
    assert glue.get_table(DatabaseName=db, Name="other")["Table"]["Description"] == "moved"
    glue.delete_table(DatabaseName=db, Name="other")
    assert code(glue.get_table, DatabaseName=db, Name="other") == "EntityNotFoundException"
    listed = aws(daemon, "get-tables", "--database-name", db, home=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert [t["Name"] for t in json.loads(listed.stdout)["TableList"]] == ["events_a",
                                                                          "events_b"]
    glue.delete_database(Name=db)
    assert code(glue.get_database, Name=db) == "EntityNotFoundException"
    assert code(glue.create_table, DatabaseName=db,
                TableInput=table_input("x", "/x")) == "EntityNotFoundException"  # fmt: skip


def test_connections_over_boto3_hide_the_password_when_asked(glue: Any,
                                                             daemon: DaemonProcess) -> None:
    name = unique("pg")
    made = daemon.http.post("/catalog/connections", json={
        "name": name, "url": "jdbc:postgresql://db:5432/shop", "user": "etl",
        "password": "pw-42"})  # fmt: skip
    assert made.status_code == 201, made.text
    shown = glue.get_connection(Name=name)["Connection"]["ConnectionProperties"]
    assert (shown["JDBC_CONNECTION_URL"], shown["USERNAME"], shown["PASSWORD"]) == (
        "jdbc:postgresql://db:5432/shop", "etl", "pw-42")  # fmt: skip
    hidden = glue.get_connection(Name=name, HidePassword=True)["Connection"]
    assert "PASSWORD" not in hidden["ConnectionProperties"]
    names = [c["Name"] for c in glue.get_connections(HidePassword=True)["ConnectionList"]]
    assert name in names
    assert "pw-42" not in daemon.log_path.read_text()
    assert code(glue.get_connection, Name="no-such") == "EntityNotFoundException"


def test_an_s3_script_location_is_read_through_the_bucket_mapping(
    glue: Any, daemon: DaemonProcess, bucket: Path
) -> None:
    (bucket / "etl").mkdir(exist_ok=True)
    (bucket / "etl" / "hello.py").write_text("print('from the bucket', flush=True)\n")
    name = unique("s3job")
    command = {"Name": "pythonshell", "ScriptLocation": "s3://scripts/etl/hello.py"}
    glue.create_job(Name=name, Role="r", Command=command)
    stored = glue.get_job(JobName=name)["Job"]["Command"]["ScriptLocation"]
    assert stored.startswith(str(daemon.workdir / "data" / "scripts"))
    (bucket / "etl" / "hello.py").write_text("print('changed', flush=True)\n")
    run_id = glue.start_job_run(JobName=name)["JobRunId"]
    assert wait_run(glue, name, run_id)["JobRunState"] == "SUCCEEDED"
    assert daemon.logs(run_id).strip() == "from the bucket"  # the copy taken at CreateJob
    glue.update_job(JobName=name, JobUpdate={"Role": "r", "Command": command})
    run_id = glue.start_job_run(JobName=name)["JobRunId"]
    assert wait_run(glue, name, run_id)["JobRunState"] == "SUCCEEDED"
    assert daemon.logs(run_id).strip() == "changed"
    unmapped = {"Name": "pythonshell", "ScriptLocation": "s3://elsewhere/x.py"}
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        glue.create_job(Name=unique("s3job"), Role="r", Command=unmapped)
    assert refused.value.response["Error"]["Code"] == "InvalidInputException"
    assert "not in [glue] s3_buckets" in refused.value.response["Error"]["Message"]


def test_a_runs_script_calls_glue_with_credentials_that_end_with_the_run(
    glue: Any, daemon: DaemonProcess, tmp_path: Path
) -> None:
    db = unique("rundb").replace("-", "_")
    glue.create_database(DatabaseInput={"Name": db})
    glue.create_table(DatabaseName=db, TableInput=table_input("source", "/data/source"))
    name = unique("calls-glue")
    command = {"Name": "pythonshell", "ScriptLocation": data_url(CALLS_GLUE)}
    glue.create_job(Name=name, Role="r", Command=command)
    out = tmp_path / "env.json"
    run_id = glue.start_job_run(JobName=name, Arguments={"--db": db, "--out": str(out)})[
        "JobRunId"]  # fmt: skip
    run = wait_run(glue, name, run_id)
    assert run["JobRunState"] == "SUCCEEDED", (run, daemon.logs(run_id, "stderr"))
    assert daemon.logs(run_id).split() == ["made_in_run", "source"]
    made = glue.get_table(DatabaseName=db, Name="made_in_run")["Table"]
    assert made["StorageDescriptor"]["Columns"][0] == {"Name": "id", "Type": "bigint"}
    env = json.loads(out.read_text())
    assert env["native"] == [401, 401]  # the live run's keys do not open the native API
    assert env["AWS_ENDPOINT_URL_GLUE"] == f"{daemon.url}/glue"
    assert env["AWS_ACCESS_KEY_ID"].startswith("ASIA") and env["AWS_SESSION_TOKEN"]
    secret = env["AWS_SECRET_ACCESS_KEY"]
    assert secret not in json.dumps(daemon.run(run_id)) and secret not in daemon.log()
    for stream in ("stdout", "stderr"):
        assert secret not in daemon.logs(run_id, stream)
    after = boto3.client(
        "glue", endpoint_url=env["AWS_ENDPOINT_URL_GLUE"], region_name=env["AWS_REGION"],
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"], aws_secret_access_key=secret,
        aws_session_token=env["AWS_SESSION_TOKEN"],
    )  # fmt: skip
    assert code(after.get_table, DatabaseName=db, Name="source") == (
        "UnrecognizedClientException")  # fmt: skip
