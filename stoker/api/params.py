"""Query parameters several routes share: times with an offset."""

from __future__ import annotations

from datetime import UTC, datetime

from stoker.errors import InvalidInput

#: Longer text is no time (and is not echoed back).
MAX_TIME_TEXT = 64


def optional_time(value: str | None, field: str) -> datetime | None:
    return None if value is None else parse_time(value, field)


def parse_time(value: str, field: str) -> datetime:
    """An ISO 8601 time with its offset (``2026-12-01T00:00:00+01:00`` or ``…Z``), as UTC."""
    try:
        parsed = datetime.fromisoformat(value) if len(value) <= MAX_TIME_TEXT else None
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise InvalidInput(
            f"{field} must be an ISO 8601 time with an offset, e.g. 2026-12-01T00:00:00Z or "
            "2026-12-01T00:00:00+01:00",
            field=field,
            value=value if len(value) <= MAX_TIME_TEXT else None,
        )
    return parsed.astimezone(UTC)
