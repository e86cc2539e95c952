"""The key ring's administration: list, rotate, and re-encrypt then retire old keys.

Whatever stoker keeps encrypted registers a ``Sealed`` here (role secrets; encrypted run
logs and bookmark state). Re-encryption rewrites each under the primary key; only when
none of them uses an older key any more is that key dropped from the ring, so a failure
half way (a key missing, a file unreadable) retires nothing and loses nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from stoker.aio import Blocking
from stoker.security.keyring import KeyRing

log = logging.getLogger(__name__)


class Sealed(Protocol):
    """One kind of data sealed with the key ring (blocking calls)."""

    name: str

    def reencrypt(self) -> int:
        """Rewrite what is not under the primary key with it; how many items."""
        ...

    def key_ids(self) -> set[str]:
        """The keys some item is sealed with."""
        ...


@dataclass(frozen=True)
class KeyInfo:
    key_id: str
    primary: bool
    #: The kinds of data it still seals ("roles", "run logs", …).
    used_by: list[str]


@dataclass(frozen=True)
class Reencrypted:
    #: Items rewritten, by kind.
    rewritten: dict[str, int]
    retired: list[str]


class KeyService:
    def __init__(self, ring: KeyRing, sealed: Sequence[Sealed], io: Blocking) -> None:
        self._ring = ring
        self._sealed = list(sealed)
        self._io = io

    def _usage(self) -> dict[str, set[str]]:
        return {s.name: s.key_ids() for s in self._sealed}

    async def list_keys(self) -> list[KeyInfo]:
        usage = await self._io(self._usage)
        primary = self._ring.primary
        return [
            KeyInfo(key_id, key_id == primary,
                    sorted(kind for kind, ids in usage.items() if key_id in ids))
            for key_id in self._ring.key_ids()
        ]  # fmt: skip

    async def rotate(self) -> str:
        """A new primary key: new data is sealed with it, old data stays readable."""
        return await self._io(self._ring.rotate)

    async def reencrypt(self) -> Reencrypted:
        """Everything under the primary key, then every other key retired."""
        rewritten = {}
        for sealed in self._sealed:
            rewritten[sealed.name] = await self._io(sealed.reencrypt)
        usage = await self._io(self._usage)
        still = set().union(*usage.values()) if usage else set()
        old = [k for k in self._ring.key_ids() if k != self._ring.primary and k not in still]
        if old:
            await self._io(self._ring.retire, old)
        log.info("re-encrypted under key %s", self._ring.primary, extra={
            "action": "keys.reencrypted", "rewritten": rewritten, "retired": old})  # fmt: skip
        return Reencrypted(rewritten, old)
