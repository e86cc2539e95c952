"""Property-based tests (Hypothesis) of every parser of user or stored input (issue 10):
schedules, event patterns, job and trigger definitions (domain, stored JSON, definition
files, API bodies). The property: a clear error (a StokerError) or a valid object, never
another exception, and never a 500."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from stoker.api.app import create_app
from stoker.api.routes.jobs import checked_job
from stoker.api.schemas.jobs import JobIn
from stoker.config.settings import ApiSettings
from stoker.definitions.files import load_definitions
from stoker.domain.patterns import matches, validate_pattern
from stoker.errors import StokerError
from stoker.store.trigger_codec import DECODE_ERRORS, trigger_from_json
from stoker.triggers.cron.expressions import Schedule, validate_schedule
from tests.unit.api.asgi import asgi_client
from tests.unit.api.fakes import FakeServices

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NOW = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)

# -- values -------------------------------------------------------------------------------


class Huge(int):
    """A 5000-digit integer, whose real repr raises (Python 3.11's digit limit): Hypothesis
    must be able to print it when it reports an example."""

    def __repr__(self) -> str:
        return "Huge(10**5000)"


scalars = st.one_of(
    st.none(), st.booleans(), st.text(max_size=20),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.just(Huge(10**5000)),
)  # fmt: skip
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                 max_size=4),
    max_leaves=20,
)  # fmt: skip


def nested(depth: int) -> dict[str, Any]:
    pattern: dict[str, Any] = {"leaf": ["x"]}
    for _ in range(depth - 1):
        pattern = {"a": pattern}
    return pattern


# -- schedules ----------------------------------------------------------------------------

field_items = st.one_of(
    st.sampled_from(["*", "?", "L", "W", "LW", "L-3", "15W", "6L", "2#3", "MON-FRI", "JAN",
                     "*/15", "0/5", "5-10", "10-5", "1,2,3", "", "-", "#", "/", "99999999999"]),
    st.integers(min_value=-5, max_value=3000).map(str),
    st.text(alphabet="0123456789*,-/?#LW", max_size=6),
)  # fmt: skip
cron_expressions = st.lists(field_items, min_size=4, max_size=7).map(
    lambda fields: f"cron({' '.join(fields)})"
)
crontabs = st.lists(field_items, min_size=5, max_size=5).map(" ".join)
rates = st.tuples(
    st.one_of(st.integers(min_value=-3, max_value=10**12).map(str), st.text(max_size=6)),
    st.sampled_from(["second", "seconds", "minute", "minutes", "hour", "hours", "day",
                     "days", "DAYS", "week", "", "fortnights"]),
).map(lambda p: f"rate({p[0]} {p[1]})")  # fmt: skip
macros = st.sampled_from(["@daily", "@hourly", "@reboot", "rate(5000000 days)"])
expressions = st.one_of(cron_expressions, crontabs, rates, st.text(max_size=300), macros)
timezones = st.one_of(
    st.sampled_from(["UTC", "Europe/Paris", "America/New_York", "Australia/Lord_Howe",
                     "Asia/Kathmandu", "", "Mars/Olympus", "../../etc/passwd", "UTC\x00"]),
    st.text(max_size=80),
    st.just("a" * 5000),
)  # fmt: skip


@FUZZ
@given(expression=expressions, timezone=timezones)
def test_a_schedule_parses_to_one_that_computes_or_is_a_clear_error(
    expression: str, timezone: str
) -> None:
    try:
        schedule = validate_schedule(expression, timezone, NOW)
    except StokerError as exc:
        assert exc.field in ("schedule", "timezone") and exc.message
        return
    assert isinstance(schedule, Schedule)
    fires = schedule.next_fire_times(NOW, 3)
    assert all(f > NOW for f in fires) and fires == sorted(fires)
    assert schedule.fires_between(NOW, NOW.replace(year=2027)) >= 0


# -- event patterns -----------------------------------------------------------------------

matchers = st.one_of(
    st.fixed_dictionaries({"prefix": json_values}),
    st.fixed_dictionaries({"anything-but": json_values}),
    st.fixed_dictionaries({"exists": json_values}),
    st.fixed_dictionaries({"numeric": st.lists(st.one_of(st.sampled_from(["<", ">=", "="]),
                                                         scalars), max_size=5)}),
    st.dictionaries(st.text(max_size=10), json_values, max_size=2),
)  # fmt: skip
patterns = st.recursive(
    st.dictionaries(st.text(max_size=10), st.lists(st.one_of(scalars, matchers), max_size=4),
                    max_size=3),
    lambda inner: st.dictionaries(st.text(max_size=10), inner, max_size=3),
    max_leaves=12,
)  # fmt: skip


@FUZZ
@given(pattern=st.one_of(patterns, json_values, st.integers(1, 300).map(nested)),
       message=json_values)  # fmt: skip
def test_a_pattern_is_valid_and_matches_safely_or_is_a_clear_error(
    pattern: Any, message: Any
) -> None:
    try:
        validate_pattern(pattern)
    except StokerError as exc:
        assert exc.field is not None and exc.field.startswith("event.pattern")
        return
    json.dumps(pattern, allow_nan=False)  # every reader can write it back as JSON
    assert isinstance(matches(pattern, message), bool)


# -- job definitions (files, the examples, stored jobs) -----------------------------------

job_fields = st.fixed_dictionaries(
    {},
    optional={
        "name": st.one_of(st.text(max_size=10), st.sampled_from(["etl", "etl\n", "a" * 300]),
                          json_values),
        "description": st.one_of(st.text(max_size=30), json_values),
        "command": st.one_of(st.sampled_from(["glueetl", "pythonshell", "gluestreaming"]),
                             st.dictionaries(st.sampled_from(["name", "script_location",
                                                              "python_version", "x"]),
                                             json_values, max_size=3), json_values),
        "script_location": st.one_of(st.just("/tmp/x.py"), json_values),
        "default_arguments": st.one_of(st.dictionaries(st.text(max_size=12), st.text(max_size=5),
                                                       max_size=3), json_values),
        "max_concurrent_runs": json_values, "max_retries": json_values, "timeout": json_values,
        "notify_delay_after": json_values,
        "resources": st.one_of(st.dictionaries(st.sampled_from(["driver_memory", "driver_cores",
                                                                "num_executors", "gpus"]),
                                               json_values, max_size=2), json_values),
        "spark_conf": st.one_of(st.dictionaries(st.text(max_size=12), st.text(max_size=5),
                                                max_size=3), json_values),
        "tags": json_values, "executor": json_values, "job_run_queuing_enabled": json_values,
        "colour": json_values,
    },
)  # fmt: skip


@FUZZ
@given(data=st.one_of(job_fields, json_values))
def test_a_job_definition_is_a_job_or_a_clear_error(data: Any) -> None:
    """Files and API bodies become jobs the one way the API does (JobIn, then checked_job);
    a ValidationError is the API's 400, its own fuzzing below checks the answer."""
    try:
        body = JobIn.model_validate(data)
        job = checked_job(body, body.name or "job")
    except ValidationError:
        return
    except StokerError as exc:
        assert exc.message and exc.code == "InvalidInput"
        return
    assert isinstance(job.name, str)


# -- stored trigger definitions -----------------------------------------------------------

stored_triggers = st.fixed_dictionaries(
    {"name": st.text(max_size=8),
     "type": st.sampled_from(["SCHEDULED", "CONDITIONAL", "ON_DEMAND", "EVENT", "X"]),
     "actions": st.one_of(st.lists(st.dictionaries(
         st.sampled_from(["job_name", "arguments", "timeout", "other"]), json_values,
         max_size=3), max_size=2), json_values)},
    optional={"schedule": json_values, "timezone": json_values, "catch_up": json_values,
              "predicate": st.one_of(json_values, st.fixed_dictionaries(
                  {"logical": st.sampled_from(["AND", "ANY", "OR"]),
                   "conditions": st.lists(st.dictionaries(
                       st.sampled_from(["job_name", "state"]), st.text(max_size=10)),
                       max_size=2)})),
              "event": st.one_of(json_values, st.fixed_dictionaries(
                  {"topic": st.text(max_size=5), "pattern": patterns})),
              "allow_cycles": json_values},
)  # fmt: skip


@FUZZ
@given(data=st.one_of(stored_triggers, json_values))
def test_a_stored_trigger_decodes_or_fails_with_a_decode_error(data: Any) -> None:
    """trigger_from_row turns exactly these errors into a placeholder with load_error."""
    try:
        trigger = trigger_from_json(data)
    except DECODE_ERRORS:
        return
    assert trigger.name == data["name"]


# -- definition files (`stoker apply -f`) -------------------------------------------------

documents = st.fixed_dictionaries(
    {},
    optional={"jobs": st.one_of(st.lists(st.one_of(job_fields, json_values), max_size=3),
                                json_values),
              "triggers": st.one_of(st.lists(st.one_of(stored_triggers, json_values),
                                             max_size=3), json_values),
              "other": json_values},
)  # fmt: skip


@FUZZ
@given(document=st.one_of(documents, json_values), suffix=st.sampled_from([".json", ".yaml"]))
def test_a_definition_file_loads_or_is_a_clear_error(
    tmp_path_factory: pytest.TempPathFactory, document: Any, suffix: str
) -> None:
    path = tmp_path_factory.mktemp("defs") / f"d{suffix}"
    try:
        text = json.dumps(document)  # YAML is a superset of JSON
    except ValueError:
        return  # a 5000-digit integer: no file can be written for it
    path.write_text(text)
    try:
        loaded = load_definitions(str(path))
    except StokerError as exc:
        assert str(path) in exc.message
        return
    json.dumps({"jobs": loaded.jobs, "triggers": loaded.triggers}, allow_nan=False)


@FUZZ
@given(document=documents)
def test_a_toml_definition_file_loads_or_is_a_clear_error(
    tmp_path_factory: pytest.TempPathFactory, document: Any
) -> None:
    path = tmp_path_factory.mktemp("defs") / "d.toml"
    try:
        path.write_text(tomli_w.dumps(document))
    except (TypeError, ValueError):
        return  # TOML cannot hold null or mixed-type documents at all
    try:
        load_definitions(str(path))
    except StokerError as exc:
        assert str(path) in exc.message


# -- API bodies ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def api() -> httpx.Client:
    app = create_app(FakeServices(Path("/nonexistent/logs")), ApiSettings(), version="1")
    return asgi_client(app, raise_app_exceptions=False)


ROUTES = [("POST", "/jobs"), ("PUT", "/jobs/etl"), ("POST", "/triggers"),
          ("POST", "/apply"), ("POST", "/jobs/etl/runs")]  # fmt: skip


@FUZZ
@given(route=st.sampled_from(ROUTES),
       body=st.one_of(job_fields, stored_triggers, documents, json_values))  # fmt: skip
def test_no_request_body_is_a_server_error(
    api: httpx.Client, route: tuple[str, str], body: Any
) -> None:
    # Python's json writes what JSON has no word for (NaN, Infinity) the way browsers
    # and other clients might send it anyway.
    try:
        content = json.dumps(body).encode()
    except ValueError:
        content = b'{"timeout": ' + b"9" * 5000 + b"}"
    response = api.request(*route, content=content)
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        error = response.json()
        assert set(error) == {"code", "message", "field"} and error["message"]


def test_non_finite_numbers_in_a_body_are_refused(api: httpx.Client) -> None:
    for number in (math.inf, math.nan):
        pattern = {"n": [{"numeric": [">", number]}]}
        body = {"name": "t", "type": "EVENT", "actions": [{"job_name": "etl"}],
                "event": {"topic": "t", "pattern": pattern}}  # fmt: skip
        response = api.post("/triggers", content=json.dumps(body).encode())
        assert response.status_code == 400 and response.json()["field"].startswith("event")
