"""`stoker apply` and `stoker export` against the real API over the fake definitions."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

from tests.unit.api.fakes import FakeServices, make_job, make_trigger

JOBS_TOML = """\
[[jobs]]
name = "extract"
script_file = "scripts/extract.py"
default_arguments = { "--day" = "2024-05-01", "--db_password" = "pw" }

[jobs.command]
name = "pythonshell"

[[jobs]]
name = "load"
timeout = 60

[jobs.command]
script_location = "/scripts/load.py"
"""

TRIGGERS_YAML = """\
triggers:
  - name: nightly
    type: SCHEDULED
    schedule: cron(0 2 * * ? *)
    start_on_creation: true
    actions:
      - job_name: extract
  - name: after-extract
    type: CONDITIONAL
    predicate:
      logical: AND
      conditions:
        - job_name: extract
          state: SUCCEEDED
    actions:
      - job_name: load
        timeout: 30
"""


def definitions_dir(tmp_path: Path) -> Path:
    root = tmp_path / "defs"
    (root / "scripts").mkdir(parents=True)
    (root / "scripts" / "extract.py").write_text("print('extract')\n")
    (root / "a-jobs.toml").write_text(JOBS_TOML)
    (root / "b-triggers.yaml").write_text(TRIGGERS_YAML)
    (root / "notes.txt").write_text("ignored")
    return root


def test_apply_directory_of_toml_and_yaml(
    stoker: Any, services: FakeServices, tmp_path: Path
) -> None:
    root = definitions_dir(tmp_path)
    result = stoker("apply", "-f", str(root))
    assert result.exit_code == 0, result.stderr
    assert "applied: 4 created, 0 updated, 0 unchanged, 0 deleted" in result.stdout
    assert "trigger  nightly" in result.stdout
    assert services.jobs.scripts["extract"] == "print('extract')\n"
    assert services.triggers.triggers["nightly"].state == "ACTIVATED"
    assert services.triggers.triggers["after-extract"].actions[0].timeout == 30
    again = stoker("apply", "-f", str(root), "-o", "json")
    report = json.loads(again.stdout)
    assert report["unchanged"] == {"jobs": ["extract", "load"],
                                   "triggers": ["nightly", "after-extract"]}  # fmt: skip


def test_dry_run_and_prune_are_passed(stoker: Any, services: FakeServices, tmp_path: Path) -> None:
    services.jobs.jobs["old"] = make_job("old")
    root = definitions_dir(tmp_path)
    result = stoker("apply", "-f", str(root), "--prune", "--dry-run")
    assert result.exit_code == 0, result.stderr
    assert "dry run, nothing changed: would be 4 created, 0 updated, 0 unchanged, 1 deleted" in (
        result.stdout
    )
    assert "job      old" in result.stdout
    call = services.definitions.calls[-1]
    assert call["prune"] is True and call["dry_run"] is True
    assert set(services.jobs.jobs) == {"old"}


def test_server_error_names_file_item_and_field(
    stoker: Any, services: FakeServices, tmp_path: Path
) -> None:
    root = definitions_dir(tmp_path)
    bad = TRIGGERS_YAML.replace("cron(0 2 * * ? *)", "cron(bad)")
    (root / "b-triggers.yaml").write_text(bad)
    result = stoker("apply", "-f", str(root))
    assert result.exit_code == 2
    path = root / "b-triggers.yaml"
    assert result.stderr.strip() == (
        f"error: {path}: trigger 'nightly': schedule: cron() needs 6 fields"
    )
    (root / "b-triggers.yaml").write_text(TRIGGERS_YAML.replace("timeout: 30", "timeout: 0"))
    result = stoker("apply", "-f", str(root))
    assert result.stderr.startswith(
        f"error: {path}: trigger 'after-extract': actions[0].timeout: "
    ), result.stderr
    (root / "b-triggers.yaml").write_text(TRIGGERS_YAML)
    (root / "a-jobs.toml").write_text(JOBS_TOML.replace("timeout = 60", "timeout = 1234"))
    result = stoker("apply", "-f", str(root))
    assert result.stderr.strip() == (
        f"error: {root / 'a-jobs.toml'}: job 'load': timeout: timeout 1234 refused (fake)"
    )
    assert services.jobs.jobs == {} and services.triggers.triggers == {}


def test_local_errors_exit_2_and_send_nothing(
    stoker: Any, services: FakeServices, tmp_path: Path
) -> None:
    root = definitions_dir(tmp_path)
    toml = root / "a-jobs.toml"
    cases = [
        (JOBS_TOML + "\n[[jobs]\n", f"error: {toml}: cannot be parsed: "),
        (JOBS_TOML.replace("timeout = 60", "colour = 1"),
         f"error: {toml}: job 'load': colour: unknown field; allowed: name,"),
        (JOBS_TOML.replace('script_location = "/', 'where = "/'),
         f"error: {toml}: job 'load': command.where: unknown field"),
        (JOBS_TOML.replace('name = "load"', 'name = "extract"'),
         f"error: {toml}: job 'extract': name: job 'extract' is also defined earlier"),
        (JOBS_TOML.replace("scripts/extract.py", "scripts/missing.py"),
         f"error: {toml}: job 'extract': script_file: cannot read 'scripts/missing.py'"),
        ("[[pipelines]]\nname = 'x'\n", f"error: {toml}: pipelines: unknown section"),
    ]  # fmt: skip
    for content, expected in cases:
        toml.write_text(content)
        result = stoker("apply", "-f", str(root))
        assert result.exit_code == 2, (expected, result.stderr)
        assert result.stderr.startswith(expected), (expected, result.stderr)
    toml.write_text(JOBS_TOML)
    yaml_file = root / "b-triggers.yaml"
    yaml_file.write_text(TRIGGERS_YAML + "  - name: extract-dup\n    type: X\n    when: now\n")
    result = stoker("apply", "-f", str(root))
    assert result.stderr.startswith(f"error: {yaml_file}: trigger 'extract-dup': when: unknown")
    (root / "c.yaml").write_text("triggers:\n  - name: nightly\n    type: ON_DEMAND\n")
    yaml_file.write_text(TRIGGERS_YAML)
    result = stoker("apply", "-f", str(root))
    assert result.stderr.strip() == (
        f"error: {root / 'c.yaml'}: trigger 'nightly': name: trigger 'nightly' is also "
        f"defined in {yaml_file}"
    )
    assert services.definitions.calls == []
    missing = stoker("apply", "-f", str(tmp_path / "nope.toml"))
    assert missing.exit_code == 2 and "no such file" in missing.stderr


def test_export_toml_round_trips_unchanged(
    stoker: Any, services: FakeServices, tmp_path: Path
) -> None:
    services.jobs.jobs["etl"] = make_job("etl", default_arguments={"--db_password": "pw"})
    services.triggers.triggers["nightly"] = make_trigger()
    result = stoker("export")
    assert result.exit_code == 0, result.stderr
    assert "warning: job 'etl': default_arguments.--db_password is a secret" in result.stderr
    assert "actions[0].arguments.--api_token" in result.stderr
    document = tomllib.loads(result.stdout)
    assert document["jobs"][0]["default_arguments"] == {"--db_password": "****"}
    assert "created_on" not in document["jobs"][0] and "state" not in document["triggers"][0]
    assert result.stdout.startswith("# stoker definitions")
    path = tmp_path / "all.toml"
    path.write_text(result.stdout)
    applied = stoker("apply", "-f", str(path), "-o", "json")
    assert applied.exit_code == 0, applied.stderr
    report = json.loads(applied.stdout)
    assert report["unchanged"] == {"jobs": ["etl"], "triggers": ["nightly"]}
    assert report["created"] == report["updated"] == {}
    assert services.jobs.jobs["etl"].default_arguments == {"--db_password": "pw"}


def test_export_yaml_json_and_directory_round_trip(
    stoker: Any, services: FakeServices, tmp_path: Path
) -> None:
    root = definitions_dir(tmp_path)
    assert stoker("apply", "-f", str(root)).exit_code == 0
    as_json = json.loads(stoker("export", "-o", "json").stdout)
    nightly = next(t for t in as_json["triggers"] if t["name"] == "nightly")
    assert nightly["start_on_creation"] is True
    assert "# stoker definitions" in stoker("export", "-o", "yaml").stdout
    out = tmp_path / "out"
    result = stoker("export", "--dir", str(out))
    assert result.exit_code == 0, result.stderr
    assert (out / "scripts" / "extract.py").read_text() == "print('extract')\n"
    document = tomllib.loads((out / "stoker.toml").read_text())
    extract = next(j for j in document["jobs"] if j["name"] == "extract")
    assert extract["script_file"] == "scripts/extract.py"
    assert "script_location" not in extract["command"]
    report = json.loads(stoker("apply", "-f", str(out), "-o", "json").stdout)
    assert report["unchanged"] == {"jobs": ["extract", "load"],
                                   "triggers": ["after-extract", "nightly"]}  # fmt: skip
    yaml_dir = tmp_path / "yaml"
    assert stoker("export", "--dir", str(yaml_dir), "-o", "yaml").exit_code == 0
    report = json.loads(stoker("apply", "-f", str(yaml_dir), "-o", "json").stdout)
    assert report["created"] == report["updated"] == {}


def test_help_has_examples(stoker: Any) -> None:
    for command in ("apply", "export"):
        result = stoker(command, "--help")
        assert result.exit_code == 0 and "Example" in result.stdout


def test_log_retention_days_applies_exports_and_round_trips(
    stoker: Any, services: FakeServices, tmp_path: Path
) -> None:
    root = definitions_dir(tmp_path)
    jobs = JOBS_TOML.replace('name = "extract"\n', 'name = "extract"\nlog_retention_days = 30\n')
    (root / "a-jobs.toml").write_text(
        jobs.replace("timeout = 60\n", 'timeout = 60\nlog_retention_days = "never"\n')
    )
    assert stoker("apply", "-f", str(root)).exit_code == 0
    assert services.jobs.jobs["extract"].log_retention_days == 30
    assert services.jobs.jobs["load"].log_retention_days == "never"
    exported = tomllib.loads(stoker("export").stdout)
    retention = {j["name"]: j.get("log_retention_days") for j in exported["jobs"]}
    assert retention == {"extract": 30, "load": "never"}
    assert all("effective_log_retention_days" not in j for j in exported["jobs"])
    out = tmp_path / "out"
    assert stoker("export", "--dir", str(out)).exit_code == 0
    report = json.loads(stoker("apply", "-f", str(out), "-o", "json").stdout)
    assert report["unchanged"]["jobs"] == ["extract", "load"]


def test_a_bad_log_retention_days_names_file_job_and_field(
    stoker: Any, services: FakeServices, tmp_path: Path
) -> None:
    root = definitions_dir(tmp_path)
    bad = JOBS_TOML.replace("timeout = 60\n", 'timeout = 60\nlog_retention_days = "forever"\n')
    (root / "a-jobs.toml").write_text(bad)
    result = stoker("apply", "-f", str(root))
    assert result.exit_code == 2
    assert result.stderr.startswith(
        f"error: {root / 'a-jobs.toml'}: job 'load': log_retention_days: "
    ), result.stderr
    assert "must be a whole number of days from 1 to 36500 or 'never'" in result.stderr
    assert "(got 'forever')" in result.stderr
    assert services.jobs.jobs == {}
