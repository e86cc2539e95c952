"""Glue's interactive sessions over the real boto3 against a live daemon with one warm
driver: create a session, run statements that use ``spark``, read their outputs, an error
with its traceback, cancel a long statement (the session stays usable), the pool's
capacity, stop, the idle timeout, delete."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import botocore.exceptions
import pytest

from tests.support.daemon import DaemonProcess
from tests.support.glue import glue_client, glue_daemon
from tests.support.waiting import eventually, unique
from tests.support.wheels import tiny_wheel

pytestmark = pytest.mark.spark

ROLE = "arn:aws:iam::000000000000:role/dev"
COMMAND = {"Name": "glueetl", "PythonVersion": "3"}
#: The daemon's cap on idle time: long enough for a test's statements to follow one
#: another, short enough to watch a session time out.
IDLE_SECONDS = 8
ENDED = ("AVAILABLE", "CANCELLED", "ERROR")


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DaemonProcess]:
    env = {"STOKER_SESSIONS__MAX_IDLE_SECONDS": str(IDLE_SECONDS)}
    with glue_daemon(tmp_path_factory.mktemp("glue-sessions"), pool_size=1, env=env) as process:
        yield process


@pytest.fixture(scope="module")
def glue(daemon: DaemonProcess) -> Any:
    return glue_client(daemon)


def wait_session(glue: Any, session_id: str, *states: str, timeout: float = 180) -> Any:
    def current() -> Any:
        session = glue.get_session(Id=session_id)["Session"]
        return session if session["Status"] in states else None

    return eventually(current, f"session {session_id} in {states}", timeout=timeout)


def run(glue: Any, session_id: str, code: str, timeout: float = 60) -> Any:
    statement_id = glue.run_statement(SessionId=session_id, Code=code)["Id"]
    return wait_statement(glue, session_id, statement_id, timeout)


def wait_statement(glue: Any, session_id: str, statement_id: int, timeout: float = 60) -> Any:
    def current() -> Any:
        statement = glue.get_statement(SessionId=session_id, Id=statement_id)["Statement"]
        return statement if statement["State"] in ENDED else None

    return eventually(current, f"statement {statement_id}", timeout=timeout, interval=0.05)


def error_code(call: Any, **kwargs: Any) -> str:
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        call(**kwargs)
    code: str = refused.value.response["Error"]["Code"]
    return code


def test_a_session_runs_statements_with_spark_and_keeps_its_namespace(
    glue: Any, daemon: DaemonProcess
) -> None:
    session_id = unique("dev")
    created = glue.create_session(Id=session_id, Role=ROLE, Command=COMMAND, Tags={"t": "1"},
                                  DefaultArguments={"--day": "mon"})["Session"]  # fmt: skip
    assert created["Status"] == "PROVISIONING" and created["Id"] == session_id
    assert wait_session(glue, session_id, "READY", "FAILED")["Status"] == "READY"

    # The one warm driver is the session's: a second session is refused, clearly.
    assert error_code(glue.create_session, Id=unique("dev"), Role=ROLE, Command=COMMAND) == (
        "ResourceNumberLimitExceededException")  # fmt: skip

    first = run(glue, session_id, "df = spark.range(10)\ndf.count()")
    assert first["State"] == "AVAILABLE", first
    assert first["Output"]["Status"] == "ok"
    assert first["Output"]["Data"]["TextPlain"].strip() == "10"
    assert first["Output"]["ExecutionCount"] == first["Id"] == 0
    # The namespace persists; print is captured; args, sc and glueContext are there.
    second = run(glue, session_id, "print(df.count() * 2, args['day'], sc.appName)\n"
                 "type(glueContext).__name__")  # fmt: skip
    assert second["Output"]["Data"]["TextPlain"].splitlines() == [
        "20 mon stoker-pool-driver", "'GlueContext'"]  # fmt: skip

    failed = run(glue, session_id, "def f():\n    return 1 / 0\nf()")
    assert failed["State"] == "AVAILABLE"
    output = failed["Output"]
    assert (output["Status"], output["ErrorName"], output["ErrorValue"]) == (
        "error", "ZeroDivisionError", "division by zero")  # fmt: skip
    trace = "".join(output["Traceback"])
    assert "return 1 / 0" in trace and trace.rstrip().endswith("division by zero")

    listed = glue.list_statements(SessionId=session_id)["Statements"]
    assert [s["Id"] for s in listed] == [0, 1, 2]
    assert session_id in glue.list_sessions(Tags={"t": "1"})["Ids"]

    # boto3 inside a statement reaches stoker's Glue endpoint with the session's own keys.
    database = unique("from_session").replace("-", "_")
    called = run(glue, session_id, (
        "import boto3, os\nclient = boto3.client('glue')\n"
        f"client.create_database(DatabaseInput={{'Name': {database!r}}})\n"
        "print(os.environ['AWS_ACCESS_KEY_ID'], os.environ['AWS_SECRET_ACCESS_KEY'],"
        " os.environ['AWS_SESSION_TOKEN'])\n"
        f"client.get_database(Name={database!r})['Database']['Name']"))  # fmt: skip
    assert called["Output"]["Status"] == "ok", called["Output"]
    keys, name = called["Output"]["Data"]["TextPlain"].splitlines()
    assert name == repr(database) and keys.startswith("ASIA")
    assert glue.get_database(Name=database)["Database"]["Name"] == database

    # A long statement is cancelled; the session stays usable, its namespace too.
    long_id = glue.run_statement(SessionId=session_id, Code=(
        "import time\nfor _ in range(600):\n    time.sleep(0.1)"))["Id"]  # fmt: skip
    eventually(lambda: glue.get_statement(SessionId=session_id, Id=long_id)["Statement"]
               ["State"] == "RUNNING", "the long statement running")  # fmt: skip
    started = time.monotonic()
    glue.cancel_statement(SessionId=session_id, Id=long_id)
    cancelled = wait_statement(glue, session_id, long_id, timeout=20)
    assert cancelled["State"] == "CANCELLED" and time.monotonic() - started < 10
    assert run(glue, session_id, "df.count()")["Output"]["Data"]["TextPlain"].strip() == "10"
    assert error_code(glue.cancel_statement, SessionId=session_id, Id=long_id) == (
        "IllegalSessionStateException")  # fmt: skip

    # A run on the pool waits while the session holds its only driver.
    daemon.create_job(name := unique("job"), "print('ran')")
    queued = daemon.start_run(name)
    assert queued["state"] == "WAITING", queued

    assert glue.stop_session(Id=session_id)["Id"] == session_id
    # The session's keys ended with it.
    key_id, secret, token = keys.split()
    ended_keys = boto3.client(
        "glue", endpoint_url=f"{daemon.url}/glue", region_name="us-east-1",
        aws_access_key_id=key_id, aws_secret_access_key=secret, aws_session_token=token,
    )  # fmt: skip
    assert error_code(ended_keys.get_databases) == "UnrecognizedClientException"
    stopped = glue.get_session(Id=session_id)["Session"]
    assert stopped["Status"] == "STOPPED" and stopped["CompletedOn"] >= stopped["CreatedOn"]
    assert error_code(glue.run_statement, SessionId=session_id, Code="1") == (
        "IllegalSessionStateException")  # fmt: skip
    # Its statements stay readable after it ended.
    assert glue.get_statement(SessionId=session_id, Id=0)["Statement"]["State"] == "AVAILABLE"
    assert daemon.wait_state(queued["id"], timeout=180)["state"] == "SUCCEEDED"

    assert glue.delete_session(Id=session_id)["Id"] == session_id
    assert error_code(glue.get_session, Id=session_id) == "EntityNotFoundException"


def test_an_idle_session_times_out_and_frees_its_driver(glue: Any) -> None:
    session_id = unique("idle")
    glue.create_session(Id=session_id, Role=ROLE, Command=COMMAND, IdleTimeout=60)
    wait_session(glue, session_id, "READY")
    assert run(glue, session_id, "1+1")["Output"]["Data"]["TextPlain"].strip() == "2"
    ended = wait_session(glue, session_id, "TIMEOUT", timeout=IDLE_SECONDS + 10)
    assert f"idle for {IDLE_SECONDS} seconds" in ended["ErrorMessage"]
    # Its driver was replaced: a new session gets one.
    other = unique("after")
    glue.create_session(Id=other, Role=ROLE, Command=COMMAND)
    assert wait_session(glue, other, "READY", "FAILED")["Status"] == "READY"
    glue.stop_session(Id=other)


def test_bad_requests_get_glue_errors(glue: Any) -> None:
    assert error_code(glue.get_session, Id="nope") == "EntityNotFoundException"
    assert error_code(glue.get_statement, SessionId="nope", Id=0) == "EntityNotFoundException"
    assert error_code(glue.create_session, Id="bad id!", Role=ROLE, Command=COMMAND) == (
        "InvalidInputException")  # fmt: skip
    assert error_code(glue.create_session, Id=unique("x"), Role=ROLE,
                      Command={"Name": "pythonshell"}) == "InvalidInputException"  # fmt: skip
    assert error_code(glue.stop_session, Id="nope") == "EntityNotFoundException"


def group_alive(pid: int) -> bool:
    try:
        os.killpg(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_job_with_driver_settings_and_modules_gets_a_driver_of_its_own(
    glue: Any, daemon: DaemonProcess, tmp_path: Path
) -> None:
    wheel = tiny_wheel(tmp_path)
    job = unique("sized")
    daemon.create_job(job, "print('x')", spark_conf={
        "spark.driver.memory": "700m", "spark.executor.memory": "600m",
        "spark.sql.shuffle.partitions": "3"},
        default_arguments={"--additional-python-modules": str(wheel)})  # fmt: skip
    session_id = unique("own")
    glue.create_session(Id=session_id, Role=ROLE, Command=COMMAND,
                        DefaultArguments={"--stoker-job-name": job})  # fmt: skip
    assert wait_session(glue, session_id, "READY", "FAILED")["Status"] == "READY"
    # It took the one warm driver's slot: the pool is as full as with any session.
    assert error_code(glue.create_session, Id=unique("dev"), Role=ROLE, Command=COMMAND) == (
        "ResourceNumberLimitExceededException")  # fmt: skip

    shown = run(glue, session_id, (
        "import os, stoker_probe\n"
        "heap = sc._jvm.java.lang.Runtime.getRuntime().maxMemory()\n"
        "print(stoker_probe.VALUE, spark.conf.get('spark.driver.memory'),"
        " sc.getConf().get('spark.executor.memory'),"
        " spark.conf.get('spark.sql.shuffle.partitions'), heap < 800 * 2**20, os.getpid())\n"
        "sc.appName"))  # fmt: skip
    assert shown["Output"]["Status"] == "ok", shown["Output"]
    values, name = shown["Output"]["Data"]["TextPlain"].splitlines()
    *settings, pid = values.split()
    # The JVM was started with the job's driver memory (Spark's default is 1g).
    assert settings == ["probe", "1.0", "700m", "600m", "3", "True"]
    assert name == repr(f"stoker-session-{session_id}")

    glue.stop_session(Id=session_id)
    assert glue.get_session(Id=session_id)["Session"]["Status"] == "STOPPED"
    # The driver's process group (its JVM too) and its modules are gone with the session.
    eventually(lambda: not group_alive(int(pid)), "the session's driver gone", timeout=30)
    eventually(lambda: not list(daemon.workdir.rglob("*.modules")), "its modules removed")
    # The warm driver is back in its slot.
    after = unique("after")
    glue.create_session(Id=after, Role=ROLE, Command=COMMAND)
    assert wait_session(glue, after, "READY", "FAILED")["Status"] == "READY"
    assert run(glue, after, "sc.appName")["Output"]["Data"]["TextPlain"].strip() == (
        "'stoker-pool-driver'")  # fmt: skip
    glue.stop_session(Id=after)


def test_a_module_pip_cannot_install_fails_the_session_with_pips_error(glue: Any) -> None:
    session_id = unique("badmod")
    glue.create_session(Id=session_id, Role=ROLE, Command=COMMAND, DefaultArguments={
        "--additional-python-modules": "stoker-no-such-module==1.0",
        "--python-modules-installer-option": "--no-index"})  # fmt: skip
    failed = wait_session(glue, session_id, "READY", "FAILED")
    assert failed["Status"] == "FAILED"
    message = failed["ErrorMessage"]
    assert "installing --additional-python-modules failed (pip exited with code 1)" in message
    assert "No matching distribution found for stoker-no-such-module==1.0" in message
    assert error_code(glue.create_session, Id=unique("x"), Role=ROLE, Command=COMMAND,
                      DefaultArguments={"--additional-python-modules": "a",
                                        "--python-modules-installer-option": "-q"}) == (
        "InvalidInputException")  # fmt: skip
