"""Record the interactive-session transcript in docs/glue-api.md: real boto3 calls against a
fresh daemon with one warm driver (Spark), each request and the daemon's answer.

Usage: PYTHONPATH=. .venv/bin/python scripts/glue_sessions_transcript.py   (rewrites the
section between the session transcript markers)
"""

from __future__ import annotations

import contextlib
import sys
import time
from pathlib import Path
from typing import Any

import botocore.exceptions

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from scripts.glue_transcript import Recorder, record

BEGIN, END = "<!-- sessions-transcript: begin -->", "<!-- sessions-transcript: end -->"
COMMAND = {"Name": "glueetl", "PythonVersion": "3"}
ROLE = "arn:aws:iam::000000000000:role/dev"


def until(recorder: Recorder, check: Any) -> None:
    """Poll quietly: only the call after the wait is recorded."""
    recorder.quiet = True
    while not check():
        time.sleep(0.1)
    recorder.quiet = False


def conversation(glue: Any, recorder: Recorder) -> None:
    glue.create_session(Id="dev", Role=ROLE, Command=COMMAND, DefaultArguments={"--day": "mon"})
    until(recorder, lambda: glue.get_session(Id="dev")["Session"]["Status"] == "READY")
    glue.get_session(Id="dev")

    def statement(code: str, state: str = "AVAILABLE") -> int:
        statement_id: int = glue.run_statement(SessionId="dev", Code=code)["Id"]
        until(recorder, lambda: glue.get_statement(SessionId="dev", Id=statement_id)
              ["Statement"]["State"] == state)  # fmt: skip
        return statement_id

    glue.get_statement(SessionId="dev", Id=statement("df = spark.range(10)\ndf.count()"))
    glue.get_statement(SessionId="dev", Id=statement("df.nope()"))
    held = statement("import time\nwhile True:\n    time.sleep(0.1)", "RUNNING")
    glue.cancel_statement(SessionId="dev", Id=held)
    until(recorder, lambda: glue.get_statement(SessionId="dev", Id=held)
          ["Statement"]["State"] == "CANCELLED")  # fmt: skip
    glue.get_statement(SessionId="dev", Id=held)
    glue.stop_session(Id="dev")
    with contextlib.suppress(botocore.exceptions.ClientError):  # recorded all the same
        glue.run_statement(SessionId="dev", Code="1+1")
    glue.delete_session(Id="dev")


def main() -> None:
    record(conversation, pool_size=1, markers=(BEGIN, END))


if __name__ == "__main__":
    main()
