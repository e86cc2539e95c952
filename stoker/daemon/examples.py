"""Registers the example jobs shipped in examples/ (what `make run` starts with)."""

from __future__ import annotations

import logging
from pathlib import Path

from pydantic import ValidationError

from stoker.api.errors import describe_validation_error
from stoker.api.ports import ApiServices
from stoker.api.routes.definitions import apply_document
from stoker.api.schemas.definitions import ApplyIn
from stoker.definitions.files import load_definitions
from stoker.errors import InvalidInput, StokerError

log = logging.getLogger(__name__)


async def register_examples(services: ApiServices, directory: Path) -> list[str]:
    """Apply every definitions file in ``directory`` the way `stoker apply DIR` does,
    without pruning: all or nothing. Returns the example jobs' names (created, updated or
    unchanged); a bad file is logged and nothing is registered."""
    try:
        found = load_definitions(str(directory))
    except StokerError as exc:
        return _skipped(directory, exc.message)
    try:
        body = ApplyIn.model_validate({"jobs": found.jobs, "triggers": found.triggers})
        report = await apply_document(body, services)
    except ValidationError as exc:
        field, message = describe_validation_error(dict(exc.errors()[0]))
        return _skipped(directory, found.locate(InvalidInput(message, field=field)).message)
    except StokerError as exc:
        return _skipped(directory, found.locate(exc).message)
    names = [job["name"] for job in found.jobs]
    log.info(
        "example jobs registered",
        extra={"action": "examples.applied", "jobs_created": report.created.get("jobs", []),
               "jobs_updated": report.updated.get("jobs", []),
               "jobs_unchanged": report.unchanged.get("jobs", [])},
    )  # fmt: skip
    return names


def _skipped(directory: Path, message: str) -> list[str]:
    log.error("example definitions skipped: %s", message,
              extra={"action": "examples.skipped", "dir": str(directory)})  # fmt: skip
    return []
