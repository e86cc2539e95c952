"""The example checks catch a wrong example: each kind of mistake a page could make fails."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from stoker.errors import ConfigError, InvalidInput
from tests.unit.api.fakes import FakeServices
from tests.unit.docs.checks import check_command, check_document, check_json
from tests.unit.docs.shell import Command, commands


def test_shell_lines_become_simple_commands() -> None:
    text = """\
# a comment line
RUN=$(stoker runs start long_running)   # the run id
stoker triggers create --name n --type SCHEDULED \\
  --schedule 'cron(0 2 * * ? *)' --action extract
stoker export > all.toml && STOKER_API_URL=http://x stoker apply -f all.toml
"""
    assert commands(text) == [
        Command(["stoker", "runs", "start", "long_running"]),
        Command(["stoker", "triggers", "create", "--name", "n", "--type", "SCHEDULED",
                 "--schedule", "cron(0 2 * * ? *)", "--action", "extract"]),
        Command(["stoker", "export"]),
        Command(["stoker", "apply", "-f", "all.toml"], {"STOKER_API_URL": "http://x"}),
    ]  # fmt: skip


def test_here_documents_are_refused() -> None:
    with pytest.raises(ValueError, match="here-documents"):
        commands("cat > x.py <<'EOF'\nprint(1)\nEOF\n")


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ("stoker jobs frobnicate", "No such command 'frobnicate'"),
        ("stoker runs start etl --wiat", "No such option '--wiat'"),
        ("stoker runs list --state DONE", "'DONE' is not one of"),
        ("stoker jobs create --name x --script x.py --max-retries two", "'two' is not a valid"),
        ("stoker runs start etl --arg novalue", "is not KEY=VALUE"),
        ("stoker apply", "Missing option '-f'"),
        ("stoker jobs", "Usage: stoker jobs"),
        ("STOKER_SPARK__POOL_SIZE=abc stoker config show", "exited 2"),
        ("make runn", "no make target runn"),
        ("scripts/postgress.sh up", "is no script"),
        ("promtool check rules deploy/prometheus/missing.yml", "does not exist"),
        ("curl -s http://127.0.0.1:8421/jbos", "RouteNotFound"),
        ("curl -s -X DELETE http://127.0.0.1:8421/runs", "MethodNotAllowed"),
        ("curl -s https://example.org/", "not a URL of the daemon's API"),
        ("rm -rf /", "no check knows the program 'rm'"),
        ("docker compose -f docker/compose.yml up", "docker/compose.yml does not exist"),
        ("docker compose up", "name the file"),
        ("docker compose -f docker/compose.yaml logs stoker-3", "no service stoker-3"),
        ("docker compose -f docker/compose.yaml up --scale stoker-9=0", "no service stoker-9"),
        ("docker compose -f docker/compose.yaml exec stoker-1 stoker jobs lst", "No such command"),
        ("docker run stoker:local", "only docker build and compose"),
    ],
)
def test_a_wrong_command_line_fails(line: str, says: str) -> None:
    with pytest.raises(AssertionError, match=says.replace("(", r"\(")):
        for command in commands(line):
            check_command(command)


def test_prose_may_name_a_command_without_what_it_requires() -> None:
    for line in ("stoker apply", "stoker jobs", "stoker runs logs RUN_ID"):
        for command in commands(line):
            check_command(command, partial=True)
    with pytest.raises(AssertionError, match="No such option"):
        check_command(Command(["stoker", "apply", "--frobnicate"]), partial=True)


def test_values_the_daemon_parses_are_checked() -> None:
    bad_cron = ["stoker", "triggers", "create", "--schedule", "cron(99 * * * ? *)"]
    with pytest.raises(InvalidInput, match="cron"):
        check_command(Command(bad_cron))
    bad_zone = ["stoker", "triggers", "create", "--schedule", "rate(5 minutes)",
                "--timezone", "Mars/Olympus"]  # fmt: skip
    with pytest.raises(InvalidInput, match="Mars/Olympus"):
        check_command(Command(bad_zone))
    bad_pattern = ["stoker", "triggers", "create", "--pattern", '{"detail": "FAILED"}']
    with pytest.raises((AssertionError, InvalidInput)):
        check_command(Command(bad_pattern))


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_configuration_with_an_unknown_key_fails(tmp_path: Path) -> None:
    path = write(tmp_path, "stoker.toml", "[spark]\npool_sise = 2\n")
    with pytest.raises(ConfigError, match=r"spark\.pool_sise"):
        check_document(path, "toml", FakeServices(tmp_path))
    public = write(tmp_path, "public.toml", '[api]\nhost = "0.0.0.0"\n')
    with pytest.raises(ConfigError, match=r"api\.tokens"):
        check_document(public, "toml", FakeServices(tmp_path))


def test_a_job_file_the_api_refuses_fails(tmp_path: Path) -> None:
    path = write(tmp_path, "job.toml", 'name = "x"\nscript_file = "x.py"\nexecutor = "cluster"\n')
    with pytest.raises(AssertionError, match="executor"):
        check_document(path, "toml", FakeServices(tmp_path))
    ok = write(tmp_path, "ok.yaml", "name: y\nscript_file: y.py\n")
    assert check_document(ok, "yaml", FakeServices(tmp_path)) == "job"


def test_a_definition_file_with_a_bad_schedule_or_key_fails(tmp_path: Path) -> None:
    schedule = '[[triggers]]\nname = "t"\ntype = "SCHEDULED"\nschedule = "cron(1 2 3)"\n'
    with pytest.raises(InvalidInput, match="cron"):
        check_document(write(tmp_path, "a.toml", schedule), "toml", FakeServices(tmp_path))
    key = '[[jobs]]\nname = "j"\nscript_file = "j.py"\nretries = 2\n'
    with pytest.raises(AssertionError, match="retries"):
        check_document(write(tmp_path, "b.toml", key), "toml", FakeServices(tmp_path))


def test_a_trigger_file_gets_its_jobs_and_is_created(tmp_path: Path) -> None:
    text = 'name = "t"\ntype = "ON_DEMAND"\n[[actions]]\njob_name = "load"\n'
    services = FakeServices(tmp_path)
    assert check_document(write(tmp_path, "t.toml", text), "toml", services) == "trigger"
    assert "t" in services.triggers.triggers


def test_json_must_be_an_event_or_the_api_index() -> None:
    event = {"version": "0", "id": "not-a-uuid", "detail-type": "Job State Change"}
    with pytest.raises(jsonschema.ValidationError):
        check_json(json.dumps(event))
    with pytest.raises(AssertionError, match="differs"):
        check_json(json.dumps({"links": {}, "resources": {}}))
    with pytest.raises(AssertionError, match="neither"):
        check_json("[1, 2]")
