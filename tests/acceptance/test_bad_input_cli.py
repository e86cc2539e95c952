"""Bad input through the CLI (config, job files, runs, triggers, definition files, the daemon
command) against a real daemon (issue 10): each exits with its code, says the error's code
and field, never prints a traceback or a secret, and changes nothing stored."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.acceptance.bad_input import daemon, deep, snapshot
from tests.acceptance.conftest import stoker
from tests.support.daemon import DaemonProcess

__all__ = ["daemon"]  # the module's daemon fixture
BAD = ("InvalidInput",)


@dataclass(frozen=True)
class Command:
    args: tuple[str, ...]
    files: dict[str, str] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)


def event_trigger(pattern: str) -> Command:
    return Command(("triggers", "create", "--name", "ev", "--type", "EVENT", "--topic", "t",
                    "--pattern", pattern, "--action", "etl"))  # fmt: skip


SCRIPT = {"s.py": "pass\n"}
BAD_SCHEDULE = ('[[triggers]]\nname = "t"\ntype = "SCHEDULED"\n'
                'schedule = "rate(99999999 minutes)"\nactions = [{job_name = "etl"}]\n')

# fmt: off
CASES: list[tuple[str, Command, int, tuple[str, ...]]] = [
    ("job name with a space",
     Command(("jobs", "create", "--name", "bad name", "--type", "pythonshell", "--script",
              "{dir}/s.py"), SCRIPT), 2, (*BAD, "(field: name)")),
    ("inf in a job file",
     Command(("jobs", "create", "-f", "{dir}/job.toml"),
             {"job.toml": 'name = "j"\nscript_file = "s.py"\ntimeout = inf\n', **SCRIPT}),
     2, (*BAD, "timeout", "finite")),
    ("job file nested 5000 deep",
     Command(("jobs", "create", "-f", "{dir}/job.json"), {"job.json": "[" * 5000 + "]" * 5000}),
     2, (*BAD, "nested too deeply")),
    ("run timeout 0", Command(("runs", "start", "etl", "--timeout", "0")), 2,
     (*BAD, "(field: timeout)")),
    ("run of a job that is not there", Command(("runs", "start", "nope")), 3, ("EntityNotFound",)),
    ("overflowing schedule",
     Command(("triggers", "create", "--name", "big", "--type", "SCHEDULED", "--schedule",
              "rate(5000000 days)", "--action", "etl")),
     2, (*BAD, "(field: schedule)", "3650 days")),
    ("NaN in --pattern", event_trigger('{"n": [{"numeric": [">", NaN]}]}'), 2,
     (*BAD, "event.pattern", "finite")),
    ("pattern too deep", event_trigger(json.dumps(deep(40))), 2,
     (*BAD, "event.pattern", "at most 10")),
    ("pattern nested 5000 deep", event_trigger("[" * 5000 + "]" * 5000), 2,
     (*BAD, "event.pattern", "nested too deeply")),
    (".nan in a definition file",
     Command(("apply", "-f", "{dir}/defs.yaml"),
             {"defs.yaml": "jobs:\n  - name: j\n    script: pass\n    timeout: .nan\n"}),
     2, ("defs.yaml", "jobs[0].timeout", "finite")),
    ("bad schedule in a definition file",
     Command(("apply", "-f", "{dir}/defs.toml"), {"defs.toml": BAD_SCHEDULE}),
     2, ("defs.toml", "trigger 't'", "schedule")),
    ("tokens not JSON", Command(("config", "show"), env={"STOKER_API__TOKENS": "abc"}), 2,
     ("api.tokens", "JSON")),
    ("unknown database",
     Command(("daemon",), env={"STOKER_DATABASE__URL": "mysql://u:pw-secret@h/db"}), 2,
     ("database.url",)),
    ("nan in the config", Command(("daemon",), env={"STOKER_SPARK__STOP_GRACE_SECONDS": "nan"}),
     2, ("spark.stop_grace_seconds", "finite")),
]
# fmt: on


@pytest.mark.parametrize(("name", "command", "exit_code", "said"), CASES,
                         ids=[c[0] for c in CASES])  # fmt: skip
def test_bad_cli_input(daemon: DaemonProcess, tmp_path: Path, name: str, command: Command,
                       exit_code: int, said: tuple[str, ...]) -> None:  # fmt: skip
    for file, text in command.files.items():
        (tmp_path / file).write_text(text)
    args = [a.replace("{dir}", str(tmp_path)) for a in command.args]
    env = {"STOKER_DATA_DIR": str(tmp_path / "other-data"), **command.env}
    before = snapshot(daemon)
    result = stoker(*args, daemon=daemon, env=env, cwd=tmp_path, timeout=120)
    assert result.returncode == exit_code, result
    for text in said:
        assert text in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and "pw-secret" not in result.stderr
    assert snapshot(daemon) == before
    assert not (tmp_path / "other-data").exists()  # a refused config touches nothing
