"""Record the Glue endpoint's transcript in docs/glue-api.md: real boto3 calls against a
fresh daemon, each request's target and body and the daemon's answer, as sent and received.

Usage: PYTHONPATH=. .venv/bin/python scripts/glue_transcript.py   (rewrites the section
between the transcript markers; the daemon runs Python shell jobs only, no Spark)
"""

from __future__ import annotations

import contextlib
import json
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import botocore.exceptions

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.support.daemon import DaemonProcess
from tests.support.glue import data_url, glue_client, glue_env, wait_run

DOC = Path(__file__).resolve().parents[1] / "docs" / "glue-api.md"
BEGIN, END = "<!-- transcript: begin -->", "<!-- transcript: end -->"
SCRIPT = "import sys\nprint('hello', sys.argv[1:], flush=True)\n"


class Recorder:
    """botocore's event hooks: what went out (target, body) and what came back."""

    def __init__(self) -> None:
        self.entries: list[str] = []
        self._request: tuple[str, str] = ("", "")
        #: While set, calls are not recorded (polling a run until it ends).
        self.quiet = False

    def sent(self, request: Any, **_: Any) -> None:
        body = request.body.decode() if isinstance(request.body, bytes) else request.body or ""
        self._request = (request.headers["X-Amz-Target"].decode(), body)

    def received(self, http_response: Any, **_: Any) -> None:
        if self.quiet:
            return
        target, body = self._request
        answer = http_response.content.decode()
        self.entries.append(
            f"POST /glue  X-Amz-Target: {target}\n{_pretty(body)}\n"
            f"-> {http_response.status_code}\n{_pretty(answer)}\n"
        )


def _pretty(text: str) -> str:
    if not text:
        return "(empty body)"
    return json.dumps(json.loads(text), indent=2, ensure_ascii=False)


def conversation(glue: Any, recorder: Recorder) -> None:
    """The calls the acceptance tests make, once each."""
    glue.create_job(Name="orders_etl", Role="etl", Command={
        "Name": "pythonshell", "ScriptLocation": data_url(SCRIPT)},
        DefaultArguments={"--day": "mon"}, Tags={"team": "data"})  # fmt: skip
    glue.get_job(JobName="orders_etl")
    run_id = glue.start_job_run(JobName="orders_etl", Arguments={"--day": "tue"})["JobRunId"]
    recorder.quiet = True
    wait_run(glue, "orders_etl", run_id)
    recorder.quiet = False
    glue.get_job_run(JobName="orders_etl", RunId=run_id)
    glue.get_job_runs(JobName="orders_etl", MaxResults=1)
    glue.create_trigger(Name="orders_now", Type="ON_DEMAND",
                        Actions=[{"JobName": "orders_etl"}])  # fmt: skip
    glue.start_trigger(Name="orders_now")
    glue.get_job_bookmark(JobName="orders_etl")
    glue.get_tags(ResourceArn="arn:aws:glue:us-east-1:000000000000:job/orders_etl")
    catalog(glue)
    for call, kwargs in ((glue.get_job, {"JobName": "missing"}), (glue.list_crawlers, {})):
        with contextlib.suppress(botocore.exceptions.ClientError):  # recorded all the same
            call(**kwargs)


def catalog(glue: Any) -> None:
    """The Data Catalog calls: a database, a partitioned table, its partitions."""
    glue.create_database(DatabaseInput={"Name": "sales", "Description": "orders and refunds"})
    glue.create_table(DatabaseName="sales", TableInput={
        "Name": "orders", "Parameters": {"classification": "csv", "skip.header.line.count": "1"},
        "StorageDescriptor": {
            "Columns": [{"Name": "id", "Type": "bigint"}, {"Name": "amount", "Type": "double"}],
            "Location": "s3://raw/orders/",
            "SerdeInfo": {"Parameters": {"field.delim": ","}}},
        "PartitionKeys": [{"Name": "day", "Type": "string"}]})  # fmt: skip
    glue.get_table(DatabaseName="sales", Name="orders")
    glue.get_tables(DatabaseName="sales", Expression="ord*", MaxResults=10)
    glue.batch_create_partition(DatabaseName="sales", TableName="orders", PartitionInputList=[
        {"Values": ["2026-12-01"]}, {"Values": ["2026-12-02"]}])  # fmt: skip
    glue.get_partitions(DatabaseName="sales", TableName="orders",
                        Expression="day = '2026-12-02'", ExcludeColumnSchema=True)  # fmt: skip


def record(talk: Callable[[Any, Recorder], None], *, pool_size: int,
           markers: tuple[str, str]) -> None:  # fmt: skip
    """Run ``talk`` against a fresh daemon and write what was said between ``markers`` in
    docs/glue-api.md."""
    begin, end = markers
    with tempfile.TemporaryDirectory() as tmp:
        daemon = DaemonProcess(Path(tmp), pool_size=pool_size, env=glue_env()).start()
        try:
            glue = glue_client(daemon)
            recorder = Recorder()
            glue.meta.events.register("before-send.glue", recorder.sent)
            glue.meta.events.register("after-call.glue", recorder.received)
            talk(glue, recorder)
        finally:
            daemon.stop()
    body = "\n".join(f"```text\n{entry}```\n" for entry in recorder.entries)
    text = DOC.read_text(encoding="utf-8")
    head, _, rest = text.partition(begin)
    _, _, tail = rest.partition(end)
    DOC.write_text(f"{head}{begin}\n{body}{end}{tail}", encoding="utf-8")
    print(f"{len(recorder.entries)} exchanges written to {DOC}")


def main() -> None:
    record(conversation, pool_size=0, markers=(BEGIN, END))


if __name__ == "__main__":
    main()
