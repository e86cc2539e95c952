"""Shared pieces of the wire models: UTC times, strict request bodies, the error body."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, PlainSerializer, model_validator
from pydantic_core import PydanticCustomError

UNKNOWN_FIELD = "unknown_field"


def _iso(value: datetime) -> str:
    return value.isoformat()


#: Always aware UTC on the wire, written with an explicit "+00:00" offset.
UtcTime = Annotated[datetime, PlainSerializer(_iso, return_type=str, when_used="json")]
#: An aware time in a named zone (a trigger's), written with that zone's offset.
ZonedTime = UtcTime


def utc(value: datetime) -> datetime:
    """Stores may hand back naive datetimes; stoker stores UTC, so naive means UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def is_none(value: object) -> bool:
    """For ``Field(exclude_if=…)``: an output field shown only when it has a value."""
    return value is None


def utc_or_none(value: datetime | None) -> datetime | None:
    return None if value is None else utc(value)


class StrictModel(BaseModel):
    """Request bodies: unknown fields are refused by name, listing the fields allowed."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _refuse_unknown(cls, data: Any) -> Any:
        if isinstance(data, dict):
            unknown = sorted(str(k) for k in data if k not in cls.model_fields)
            if unknown:
                raise PydanticCustomError(
                    UNKNOWN_FIELD,
                    "unknown field {unknown!r}; allowed fields: {allowed}",
                    {"unknown": unknown[0], "allowed": ", ".join(cls.model_fields)},
                )
        return data


class ErrorOut(BaseModel):
    """Every error response."""

    code: str
    message: str
    field: str | None = None


def same_fields(model: type[BaseModel], names: Iterable[str]) -> None:
    """Refuse to define a request body whose fields drift from the shared field list."""
    expected, actual = set(names), set(model.model_fields)
    if expected != actual:
        raise TypeError(
            f"{model.__name__} fields differ from the definition's: missing "
            f"{sorted(expected - actual)}, extra {sorted(actual - expected)}"
        )
