"""Reading a Glue request's members with Glue's types and limits.

boto3 and the AWS CLI check members against Glue's model before they send, but any HTTP
client can post anything: every member is read through here, and a wrong type or a value
out of Glue's bounds is InvalidInputException naming the member.
"""

from __future__ import annotations

from typing import Any

from stoker.api.glue.errors import invalid

_MISSING = object()


class Members:
    """One JSON object of a request (the body, or a structure inside it)."""

    def __init__(self, data: Any, where: str = "") -> None:
        if not isinstance(data, dict):
            raise invalid(f"{where or 'the request body'} must be a JSON object")
        self._data: dict[str, Any] = data
        self._where = where

    @property
    def raw(self) -> dict[str, Any]:
        """The object as sent, unchecked (for the access check and the audit's target)."""
        return self._data

    def name(self, member: str) -> str:
        return f"{self._where}.{member}" if self._where else member

    def has(self, member: str) -> bool:
        return self._data.get(member) is not None

    def _get(self, member: str, required: bool) -> Any:
        value = self._data.get(member)
        if value is None and required:
            raise invalid(f"{self.name(member)} is required")
        return value

    def string(self, member: str, *, required: bool = False, max_len: int = 255) -> str | None:
        value = self._get(member, required)
        if value is None:
            return None
        if not isinstance(value, str):
            raise invalid(f"{self.name(member)} must be a string")
        if len(value) > max_len or (required and not value):
            raise invalid(f"{self.name(member)} must be 1-{max_len} characters")
        return value

    def required_string(self, member: str, max_len: int = 255) -> str:
        value = self.string(member, required=True, max_len=max_len)
        assert value is not None
        return value

    def integer(self, member: str, low: int, high: int) -> int | None:
        value = self._get(member, False)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise invalid(f"{self.name(member)} must be a whole number from {low} to {high}")
        return value

    def boolean(self, member: str) -> bool | None:
        value = self._get(member, False)
        if value is not None and not isinstance(value, bool):
            raise invalid(f"{self.name(member)} must be true or false")
        return value

    def string_map(self, member: str, *, max_entries: int | None = None) -> dict[str, str] | None:
        value = self._get(member, False)
        if value is None:
            return None
        if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        ):
            raise invalid(f"{self.name(member)} must be a map of strings to strings")
        if max_entries is not None and len(value) > max_entries:
            raise invalid(f"{self.name(member)} has more than {max_entries} entries")
        return dict(value)

    def string_list(self, member: str, *, low: int = 0, high: int = 1000) -> list[str]:
        value = self._get(member, low > 0)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise invalid(f"{self.name(member)} must be a list of strings")
        if not low <= len(value) <= high:
            raise invalid(f"{self.name(member)} must have {low} to {high} items")
        return list(value)

    def structure(self, member: str, *, required: bool = False) -> Members | None:
        value = self._get(member, required)
        return None if value is None else Members(value, self.name(member))

    def structures(self, member: str, *, required: bool = False) -> list[Members]:
        value = self._get(member, required)
        if value is None:
            return []
        if not isinstance(value, list):
            raise invalid(f"{self.name(member)} must be a list")
        return [Members(item, f"{self.name(member)}[{i}]") for i, item in enumerate(value)]

    def refuse(self, *members: str, why: str) -> None:
        """InvalidInputException when any of ``members`` is given: stoker cannot honour it."""
        for member in members:
            if self.has(member):
                raise invalid(f"{self.name(member)} is not supported by stoker: {why}")
