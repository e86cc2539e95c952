"""`stoker jobs …` over real HTTP against the API app with fake services."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.unit.api.fakes import FakeServices, make_job


@pytest.fixture
def script(tmp_path: Path) -> Path:
    path = tmp_path / "etl.py"
    path.write_text("print('hi')\n")
    return path


def test_create_with_flags(stoker: Any, services: FakeServices, script: Path) -> None:
    res = stoker(
        "jobs", "create", "--name", "etl", "--script", str(script),
        "--arg", "day=2024-05-01", "--arg", "--db_password=x",
        "--non-overridable-arg", "env=prod", "--max-retries", "2",
        "--executor", "isolated", "--no-queuing", "--description", "daily",
    )  # fmt: skip
    assert res.exit_code == 0, res.stderr
    job = services.jobs.jobs["etl"]
    assert job.default_arguments == {"--day": "2024-05-01", "--db_password": "x"}
    assert job.non_overridable_arguments == {"--env": "prod"}
    assert (job.max_retries, job.executor.value, job.job_run_queuing_enabled) == (
        2,
        "isolated",
        False,
    )
    assert services.jobs.scripts["etl"] == "print('hi')\n"
    assert "Name:" in res.stdout and "--db_password" in res.stdout
    assert "****" in res.stdout and "x\n" not in res.stdout


def test_create_json_output(stoker: Any, script: Path) -> None:
    res = stoker("jobs", "create", "--name", "etl", "--script", str(script), "-o", "json")
    assert json.loads(res.stdout)["command"]["script_location"] == "/data/scripts/etl.py"


@pytest.mark.parametrize(
    ("filename", "content"),
    [
        ("job.yaml", "name: etl\nscript_file: s/etl.py\nmax_retries: 1\n"
                     "command: {name: pythonshell}\n"),
        ("job.toml", 'name = "etl"\nscript_file = "s/etl.py"\nmax_retries = 1\n'
                     '[command]\nname = "pythonshell"\n'),
        ("job.json", '{"name": "etl", "script_file": "s/etl.py", "max_retries": 1,'
                     ' "command": {"name": "pythonshell"}}'),
    ],
)  # fmt: skip
def test_create_from_file(
    stoker: Any, services: FakeServices, tmp_path: Path, filename: str, content: str
) -> None:
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "etl.py").write_text("x = 1\n")
    (tmp_path / filename).write_text(content)
    res = stoker("jobs", "create", "-f", str(tmp_path / filename), "--max-concurrent-runs", "3")
    assert res.exit_code == 0, res.stderr
    job = services.jobs.jobs["etl"]
    assert (job.command.value, job.max_retries, job.max_concurrent_runs) == ("pythonshell", 1, 3)
    assert services.jobs.scripts["etl"] == "x = 1\n"


def test_create_needs_name_and_script(stoker: Any, script: Path) -> None:
    no_name = stoker("jobs", "create", "--script", str(script))
    assert no_name.exit_code == 2 and "--name" in no_name.stderr
    no_script = stoker("jobs", "create", "--name", "etl")
    assert no_script.exit_code == 2 and "--script" in no_script.stderr


def test_bad_arg_syntax_exits_2(stoker: Any, script: Path) -> None:
    res = stoker("jobs", "create", "--name", "etl", "--script", str(script), "--arg", "nope")
    assert res.exit_code == 2 and "KEY=VALUE" in res.stderr


def test_server_validation_error_exits_2_with_field(stoker: Any, script: Path) -> None:
    res = stoker("jobs", "create", "--name", "etl", "--script", str(script), "--timeout", "0")
    assert res.exit_code == 2
    assert res.stderr.startswith("error: InvalidInput: timeout must be")
    assert "(field: timeout)" in res.stderr


def test_conflict_exits_4(stoker: Any, services: FakeServices, script: Path) -> None:
    services.jobs.jobs["etl"] = make_job()
    res = stoker("jobs", "create", "--name", "etl", "--script", str(script))
    assert res.exit_code == 4 and "AlreadyExists" in res.stderr


def test_list_get_delete(stoker: Any, services: FakeServices) -> None:
    for name in ("b", "a", "c"):
        services.jobs.jobs[name] = make_job(name)
    listed = stoker("jobs", "list", "--limit", "2")
    assert listed.stdout.splitlines()[0].startswith("NAME")
    assert [line.split()[0] for line in listed.stdout.splitlines()[1:]] == ["a", "b"]
    got = json.loads(stoker("jobs", "get", "a", "-o", "json").stdout)
    assert got["name"] == "a"
    assert stoker("jobs", "delete", "a").exit_code == 0
    missing = stoker("jobs", "get", "a")
    assert missing.exit_code == 3 and "error: EntityNotFound:" in missing.stderr


def test_update_applies_flags_and_keeps_secrets(
    stoker: Any, services: FakeServices, script: Path
) -> None:
    stoker("jobs", "create", "--name", "etl", "--script", str(script), "--arg", "api_key=k")
    res = stoker("jobs", "update", "etl", "--max-retries", "4", "--arg", "day=1")
    assert res.exit_code == 0, res.stderr
    job = services.jobs.jobs["etl"]
    assert job.max_retries == 4
    assert job.default_arguments == {"--api_key": "k", "--day": "1"}
    assert job.script_location == "/data/scripts/etl.py"


def test_update_from_file_saved_by_get(stoker: Any, services: FakeServices, tmp_path: Path) -> None:
    services.jobs.jobs["etl"] = make_job()
    saved = tmp_path / "etl.json"
    saved.write_text(stoker("jobs", "get", "etl", "-o", "json").stdout)
    data = json.loads(saved.read_text())
    data["timeout"] = 60
    saved.write_text(json.dumps(data))
    res = stoker("jobs", "update", "etl", "-f", str(saved))
    assert res.exit_code == 0, res.stderr
    assert services.jobs.jobs["etl"].timeout == 60


def test_script_get_and_put(stoker: Any, services: FakeServices, script: Path) -> None:
    stoker("jobs", "create", "--name", "etl", "--script", str(script))
    assert stoker("jobs", "script", "get", "etl").stdout == "print('hi')\n"
    script.write_text("print('bye')\n")
    assert stoker("jobs", "script", "put", "etl", str(script)).exit_code == 0
    assert services.jobs.scripts["etl"] == "print('bye')\n"


def test_a_job_file_with_an_unknown_field_is_refused_before_any_call(
    stoker: Any, services: FakeServices, tmp_path: Path
) -> None:
    (tmp_path / "job.toml").write_text(
        'name = "etl"\nretries = 2\n[command]\nscript_location = "/x.py"\n'
    )
    res = stoker("jobs", "create", "-f", str(tmp_path / "job.toml"))
    assert res.exit_code == 2
    assert "retries: unknown field; allowed:" in res.stderr
    assert services.jobs.jobs == {}


def test_log_retention_days_is_set_shown_and_cleared(
    stoker: Any, services: FakeServices, script: Path
) -> None:
    made = stoker("jobs", "create", "--name", "etl", "--script", str(script),
                  "--log-retention-days", "30")  # fmt: skip
    assert made.exit_code == 0, made.stderr
    assert services.jobs.jobs["etl"].log_retention_days == 30
    assert "Log retention:" in made.stdout
    assert "30 days" in stoker("jobs", "get", "etl").stdout
    assert stoker("jobs", "update", "etl", "--log-retention-days", "never").exit_code == 0
    assert services.jobs.jobs["etl"].log_retention_days == "never"
    assert "never expire" in stoker("jobs", "get", "etl").stdout
    assert stoker("jobs", "update", "etl", "--log-retention-days", "default").exit_code == 0
    assert services.jobs.jobs["etl"].log_retention_days is None
    assert "daemon default (90 days)" in stoker("jobs", "get", "etl").stdout
    # Kept by an update that does not name it (the file saved by get carries it).
    stoker("jobs", "update", "etl", "--log-retention-days", "7")
    assert stoker("jobs", "update", "etl", "--max-retries", "1").exit_code == 0
    assert services.jobs.jobs["etl"].log_retention_days == 7


def test_a_bad_log_retention_days_is_refused_by_the_cli_and_by_the_daemon(
    stoker: Any, services: FakeServices, script: Path, tmp_path: Path
) -> None:
    word = stoker("jobs", "create", "--name", "etl", "--script", str(script),
                  "--log-retention-days", "forever")  # fmt: skip
    assert word.exit_code == 2 and "'never' or 'default'" in word.stderr
    huge = stoker("jobs", "create", "--name", "etl", "--script", str(script),
                  "--log-retention-days", "99999")  # fmt: skip
    assert huge.exit_code == 2 and "log_retention_days" in huge.stderr
    assert "from 1 to 36500 or 'never'" in huge.stderr
    job_file = tmp_path / "job.yaml"
    job_file.write_text(f"name: etl\nscript_file: {script}\nlog_retention_days: 0\n")
    from_file = stoker("jobs", "create", "-f", str(job_file))
    assert from_file.exit_code == 2 and "from 1 to 36500 or 'never'" in from_file.stderr
    assert services.jobs.jobs == {}
