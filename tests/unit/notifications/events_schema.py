"""The published event schema, loaded once for tests (unit and integration)."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

import jsonschema


@cache
def validator() -> jsonschema.Draft202012Validator:
    text = (
        resources.files("stoker.notifications")
        .joinpath("schema/job-run-event.schema.json")
        .read_text()
    )
    schema = json.loads(text)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def assert_valid(event: dict[str, Any]) -> None:
    errors = sorted(validator().iter_errors(event), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors) + f"\n{event}"
