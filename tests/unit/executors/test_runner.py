"""The in-process script runner: outcomes, messages, argv and namespace."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from stoker.domain.runs import Exit, Outcome
from stoker.executors.runner import ScriptResult, run_script


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "script.py"
    path.write_text(text)
    return str(path)


def test_success_sees_namespace_and_argv(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "import sys\nprint(spark, sys.argv[1:], __name__)\n")
    result = run_script(path, ["--a", "1"], {"spark": "SPARK"})
    assert result.to_exit() == Exit(Outcome.SUCCEEDED)
    assert capsys.readouterr().out == "SPARK ['--a', '1'] __main__\n"
    assert sys.argv[0] != path


def test_fresh_namespace_each_run(tmp_path: Path) -> None:
    path = write(tmp_path, "assert 'leftover' not in globals()\nleftover = 1\n")
    assert run_script(path, [], {}).outcome is Outcome.SUCCEEDED
    assert run_script(path, [], {}).outcome is Outcome.SUCCEEDED


def test_exception(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "def f():\n    raise ValueError('boom')\nf()\n")
    result = run_script(path, [], {})
    assert result.to_exit() == Exit(Outcome.FAILED, "ValueError: boom")
    err = capsys.readouterr().err
    assert err.startswith("Traceback") and "in f" in err and "runpy" not in err


def test_syntax_error(tmp_path: Path) -> None:
    result = run_script(write(tmp_path, "x = 1\nif x\n"), [], {})
    assert result.outcome is Outcome.FAILED
    assert result.error_message is not None
    assert result.error_message.startswith("SyntaxError: ") and result.error_message.endswith(
        "(line 2)"
    )


def test_missing_script(tmp_path: Path) -> None:
    missing = str(tmp_path / "nope.py")
    assert run_script(missing, [], {}).to_exit() == Exit(
        Outcome.FAILED, f"FileNotFoundError: script {missing} does not exist"
    )


@pytest.mark.parametrize(
    ("code", "exit_"),
    [
        ("0", Exit(Outcome.SUCCEEDED)),
        ("None", Exit(Outcome.SUCCEEDED)),
        ("2", Exit(Outcome.FAILED, "SystemExit: 2")),
        ("'bad'", Exit(Outcome.FAILED, "SystemExit: bad")),
    ],
)
def test_system_exit(tmp_path: Path, code: str, exit_: Exit) -> None:
    path = write(tmp_path, f"raise SystemExit({code})\n")
    assert run_script(path, [], {}).to_exit() == exit_


def test_result_json_round_trip() -> None:
    result = ScriptResult(Outcome.FAILED, "ValueError", "boom", "tb")
    assert ScriptResult.from_json(result.to_json()) == result


def test_the_run_environment_is_set_for_the_script_and_put_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_REGION", "before")
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    path = write(tmp_path, "import os\nassert os.environ['AWS_REGION'] == 'local'\n"
                           "assert os.environ['AWS_SESSION_TOKEN'] == 't'\n")  # fmt: skip
    env = {"AWS_REGION": "local", "AWS_SESSION_TOKEN": "t"}
    assert run_script(path, [], {}, env).outcome is Outcome.SUCCEEDED
    assert os.environ["AWS_REGION"] == "before" and "AWS_SESSION_TOKEN" not in os.environ
