"""Identifiers in Glue's forms."""

from __future__ import annotations

import re
import secrets
import uuid

RUN_ID_PATTERN = re.compile(r"jr_[0-9a-f]{64}")


def new_run_id() -> str:
    """A job run id as Glue writes them: ``jr_`` followed by 64 hex characters."""
    return "jr_" + secrets.token_hex(32)


def new_event_id() -> str:
    return str(uuid.uuid4())


def is_run_id(value: str) -> bool:
    return RUN_ID_PATTERN.fullmatch(value) is not None
