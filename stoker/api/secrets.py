"""Masked secrets coming back from clients, and fields of items inside a list body."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from stoker.domain.arguments import MASK, is_masked, mask_value
from stoker.errors import InvalidInput


def unmask(incoming: Mapping[str, str], current: Mapping[str, str]) -> dict[str, str]:
    """Keep stored secrets when a client sends back the masked value it was shown.

    GET masks secret-looking values (and credentials inside values), so a read-modify-write
    (``stoker jobs update``, ``stoker export`` then ``stoker apply``) would otherwise
    overwrite every secret with the mask.
    """
    kept = dict(incoming)
    for key, value in incoming.items():
        stored = current.get(key)
        if stored is not None and value == mask_value(key, stored):
            kept[key] = stored
    return kept


def refuse_mask(values: Mapping[str, str], field: str) -> None:
    """A secret still reading '****' has no stored value to stand for: it must be supplied."""
    for key, value in values.items():
        if is_masked(key, value):
            raise InvalidInput(
                f"{key} holds {MASK!r}, the mask export writes for secrets, and there is no "
                "stored value to keep; supply the real value",
                field=f"{field}.{key}",
            )


@contextmanager
def located(prefix: str) -> Iterator[None]:
    """InvalidInput raised inside names its field under ``prefix`` (e.g. "triggers[3].")."""
    try:
        yield
    except InvalidInput as exc:
        exc.field = f"{prefix}.{exc.field}" if exc.field else prefix
        raise
