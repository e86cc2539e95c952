"""How each kind of documentation example is exercised against the real code.

Every check raises AssertionError saying which example failed and why. Command lines are
resolved against the real click tree (or run, where that is cheap), files go through the
readers of `stoker apply` / `stoker jobs create -f` / `stoker triggers create -f` into the
real API over fake services, configuration through load_settings.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

import click
import click.testing
import httpx
import jsonschema
import yaml

from stoker.api.app import create_app
from stoker.api.auth import check_bind_allowed
from stoker.cli.common import CliContext
from stoker.cli.main import cli
from stoker.config.settings import ApiSettings, load_settings
from stoker.definitions.files import parse_document
from stoker.domain.patterns import validate_pattern
from stoker.triggers.cron.expressions import parse_schedule
from tests.support.daemon import REPO
from tests.unit.api.asgi import SyncASGITransport, asgi_client
from tests.unit.api.fakes import FakeServices, make_job
from tests.unit.docs.shell import Command

EVENT_SCHEMA = REPO / "stoker" / "notifications" / "schema" / "job-run-event.schema.json"
#: Programs whose arguments are only checked for repository paths that must exist.
PLAIN_PROGRAMS = frozenset(
    {"aws", "cat", "cp", "curl", "echo", "journalctl", "promtool", "systemctl"}
)
#: Top-level entries of the repository: an argument starting with one is a path to check.
REPO_ENTRIES = frozenset(
    {"bench", "deploy", "docker", "docs", "examples", "scripts", "stoker", "tests"}
)
#: `docker compose` subcommands the documentation may use, and those that name services.
COMPOSE_COMMANDS = frozenset({"up", "down", "ps", "logs", "exec", "restart", "stop", "start",
                              "build", "config", "pull"})  # fmt: skip
COMPOSE_SERVICE_COMMANDS = frozenset({"logs", "exec", "restart", "stop", "start"})
_MAKE_TARGET = re.compile(r"^([A-Za-z][\w-]*(?: [A-Za-z][\w-]*)*):(?!=)", re.MULTILINE)
_API = re.compile(r"^https?://(127\.0\.0\.1|localhost):8421(?P<path>/[^\s]*)?$")


# -- running the CLI against the real API over fakes ------------------------------------


def run_cli(services: FakeServices, *args: str) -> click.testing.Result:
    app = create_app(services, ApiSettings(), version="0.1.0")
    obj = CliContext(api_url="http://127.0.0.1:8421", transport=SyncASGITransport(app))
    return click.testing.CliRunner().invoke(cli, list(args), obj=obj, catch_exceptions=False)


def expect_ok(result: click.testing.Result, what: str) -> None:
    assert result.exit_code == 0, f"{what} exited {result.exit_code}: {result.output}"


# -- command lines -----------------------------------------------------------------------


@contextmanager
def environment(env: dict[str, str]) -> Iterator[None]:
    """The process environment without STOKER_* settings, plus the example's assignments."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("STOKER_")}
    with mock.patch.dict(os.environ, {**clean, **env}, clear=True):
        yield


def resolve(args: list[str]) -> click.Context:
    """The context `stoker ARGS` would run in: each command and option must exist, each value
    parse (types, choices, callbacks). Nothing is invoked."""
    ctx = cli.make_context("stoker", list(args))
    while isinstance(ctx.command, click.Group):
        # click keeps the rest of the line here until Group.invoke resolves the subcommand
        # (click 8.2 made protected_args private, and deprecated the public name).
        protected = ctx._protected_args if hasattr(ctx, "_protected_args") else ctx.protected_args
        rest = [*protected, *ctx.args]
        if not rest:
            raise click.exceptions.NoArgsIsHelpError(ctx)
        name, command, rest = ctx.command.resolve_command(ctx, rest)
        assert command is not None and name is not None
        ctx = command.make_context(name, rest, parent=ctx)
    return ctx


def check_values(ctx: click.Context, line: str) -> None:
    """Values click takes as text but the daemon parses: schedules and event patterns."""
    params = ctx.params
    if params.get("schedule"):
        parse_schedule(params["schedule"], params.get("timezone") or "UTC")
    if params.get("pattern"):
        try:
            validate_pattern(json.loads(params["pattern"]))
        except ValueError as exc:
            raise AssertionError(f"{line}: --pattern: {exc}") from exc


def check_stoker(command: Command, *, partial: bool = False) -> None:
    """``partial``: a command named in prose (`stoker apply`, `stoker jobs`) may leave out
    what it requires, and may name a group."""
    line = " ".join(command.argv)
    with environment(command.env):
        try:
            ctx = resolve(command.argv[1:])
        except click.exceptions.Exit as done:  # --help and --version print and exit
            assert done.exit_code == 0, f"{line}: exited {done.exit_code}"
            return
        except (click.MissingParameter, click.exceptions.NoArgsIsHelpError) as exc:
            if partial:
                return
            raise AssertionError(f"{line}: {exc.format_message()}") from exc
        except click.ClickException as exc:
            raise AssertionError(f"{line}: {exc.format_message()}") from exc
        check_values(ctx, line)
        if ctx.command_path == "stoker config show" and not ctx.params.get("config_file"):
            # Cheap enough to run: it only reads the settings.
            result = click.testing.CliRunner().invoke(cli, command.argv[1:])
            assert result.exit_code == 0, f"{line}: exited {result.exit_code}: {result.output}"


def make_targets() -> set[str]:
    text = (REPO / "Makefile").read_text(encoding="utf-8")
    return {name for match in _MAKE_TARGET.findall(text) for name in match.split()}


def check_make(command: Command) -> None:
    targets = [a for a in command.argv[1:] if "=" not in a and not a.startswith("-")]
    unknown = sorted(set(targets) - make_targets())
    assert not unknown, f"{' '.join(command.argv)}: no make target {', '.join(unknown)}"


def check_paths(command: Command) -> None:
    for arg in command.argv[1:]:
        first = arg.split("/", 1)[0]
        if "/" in arg and first in REPO_ENTRIES:
            assert (REPO / arg).exists(), f"{' '.join(command.argv)}: {arg} does not exist"


def check_script(command: Command) -> None:
    script = REPO / command.argv[0]
    assert script.is_file() and os.access(script, os.X_OK), f"{command.argv[0]} is no script"
    check_paths(command)


def check_docker(command: Command) -> None:
    """`docker build -f docker/Dockerfile` or `docker compose -f docker/compose.yaml SUB`:
    the files exist; the services named are the compose file's; a command run in a
    container (`exec SERVICE stoker ...`) is checked as itself."""
    line = " ".join(command.argv)
    check_paths(command)
    words = command.argv[1:]
    assert words[:1] in (["build"], ["compose"]), f"{line}: only docker build and compose"
    assert "-f" in words, f"{line}: name the file (-f docker/...), the examples run from the root"
    if words[0] == "build":
        return
    compose = yaml.safe_load((REPO / words[words.index("-f") + 1]).read_text())
    rest = words[words.index("-f") + 2 :]
    assert rest and rest[0] in COMPOSE_COMMANDS, f"{line}: not a compose command this checks"
    services = set(compose["services"])
    for i, word in enumerate(rest[:-1]):
        if word == "--scale":
            assert rest[i + 1].split("=")[0] in services, f"{line}: no service {rest[i + 1]}"
    if rest[0] not in COMPOSE_SERVICE_COMMANDS:
        return
    named = [w for w in rest[1:] if not w.startswith("-")]
    if rest[0] == "exec":
        assert named[0] in services, f"{line}: no service {named[0]!r}"
        if named[1:2] == ["stoker"]:
            check_stoker(Command(named[1:]))
        return
    assert set(named) <= services, f"{line}: no service {', '.join(sorted(set(named) - services))}"


def curl_request(argv: list[str]) -> tuple[str, str, dict[str, str], str | None]:
    """(method, path, headers, body) of a curl command line."""
    method, headers, body, url = None, {}, None, None
    words = iter(argv[1:])
    for word in words:
        if word == "-X":
            method = next(words)
        elif word == "-H":
            name, _, value = next(words).partition(":")
            headers[name.strip()] = value.strip()
        elif word == "-d":
            body = next(words)
        elif not word.startswith("-"):
            url = word
    match = _API.match(url or "")
    assert match, f"{' '.join(argv)}: not a URL of the daemon's API ({url!r})"
    return method or ("POST" if body is not None else "GET"), match["path"] or "/", headers, body


def check_curl(command: Command) -> None:
    """The request goes to the real API app (fake services): the route and method exist."""
    method, path, headers, body = curl_request(command.argv)
    app = create_app(FakeServices(Path("/nonexistent")), ApiSettings(), version="0.1.0",
                     metrics_exposition=lambda: b"")  # fmt: skip
    with asgi_client(app) as client:
        response = client.request(method, path, headers=headers, content=body)
    code = response.json().get("code") if "json" in response.headers["content-type"] else None
    assert code not in ("RouteNotFound", "MethodNotAllowed"), f"{method} {path}: {code}"


def check_command(command: Command, *, partial: bool = False) -> None:
    program = command.argv[0].removeprefix(".venv/bin/")
    if program == "stoker":
        check_stoker(command, partial=partial)
    elif program == "make":
        check_make(command)
    elif program == "curl":
        check_curl(command)
    elif program.startswith("scripts/"):
        check_script(command)
    elif program == "docker":
        check_docker(command)
    elif program == "python" or program in PLAIN_PROGRAMS:
        check_paths(command)
    else:
        raise AssertionError(
            f"no check knows the program {command.argv[0]!r}; teach tests/unit/docs/checks.py"
        )


# -- files: configuration, jobs, triggers, definitions ----------------------------------


def document_kind(data: Any, lang: str) -> str:
    if isinstance(data, dict) and data and set(data) <= {"jobs", "triggers"}:
        return "definitions"
    if isinstance(data, dict) and "type" in data:
        return "trigger"
    if isinstance(data, dict) and "name" in data:
        return "job"
    if isinstance(data, dict) and lang == "toml":
        return "config"
    raise AssertionError("neither a configuration, a job, a trigger nor a definition file")


def stub_scripts(path: Path, jobs: list[Any]) -> None:
    """The scripts ``script_file`` names, beside the file, so that the readers find them."""
    for job in jobs:
        if isinstance(job, dict) and job.get("script_file"):
            script = path.parent / str(job["script_file"])
            script.parent.mkdir(parents=True, exist_ok=True)
            script.write_text("print('an example script')\n", encoding="utf-8")


def check_schedules(triggers: list[Any]) -> None:
    for trigger in triggers:
        if isinstance(trigger, dict) and trigger.get("schedule"):
            parse_schedule(trigger["schedule"], trigger.get("timezone") or "UTC")


def check_document(path: Path, lang: str, services: FakeServices) -> str:
    """Read ``path`` as the daemon or the CLI reads its kind (into the API over
    ``services``); scripts it names are stubbed beside it. Returns the kind."""
    data = parse_document(path, path.read_text(encoding="utf-8"))
    kind = document_kind(data, lang)
    if kind == "config":
        with environment({}):
            check_bind_allowed(load_settings(path).api)
    elif kind == "job":
        stub_scripts(path, [data])
        expect_ok(run_cli(services, "jobs", "create", "-f", str(path)), "jobs create -f")
    elif kind == "trigger":
        check_schedules([data])
        for action in data.get("actions") or []:
            asyncio.run(services.jobs.create_job(make_job(action["job_name"]), None))
        expect_ok(run_cli(services, "triggers", "create", "-f", str(path)), "triggers create -f")
    else:
        stub_scripts(path, data.get("jobs") or [])
        check_schedules(data.get("triggers") or [])
        expect_ok(run_cli(services, "apply", "-f", str(path)), "apply -f")
    return kind


# -- JSON --------------------------------------------------------------------------------


def api_index() -> dict[str, Any]:
    """What GET / answers on the API port when it serves /metrics too."""
    app = create_app(FakeServices(Path("/nonexistent")), ApiSettings(), version="0.1.0",
                     metrics_exposition=lambda: b"")  # fmt: skip
    with asgi_client(app) as client:
        index: dict[str, Any] = client.get("/").json()
    return index


def check_json(text: str) -> str:
    """An event must match the published schema, an API index what GET / answers."""
    data = json.loads(text)
    if isinstance(data, dict) and "detail-type" in data:
        jsonschema.validate(data, json.loads(EVENT_SCHEMA.read_text(encoding="utf-8")))
        return "event"
    if isinstance(data, dict) and {"links", "resources"} <= set(data):
        assert data == api_index(), "the API index differs from what GET / answers"
        return "index"
    raise AssertionError("neither an event nor the API index; say which it is in checks.py")


def http_paths() -> set[str]:
    app = create_app(FakeServices(Path("/nonexistent")), ApiSettings(), version="0.1.0")
    with httpx.Client(transport=SyncASGITransport(app), base_url="http://127.0.0.1:8421") as client:
        paths: set[str] = set(client.get("/openapi.json").json()["paths"])
    return paths
