"""Routes for the key ring: /keys (ids and use only, never key material; docs/security.md)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from stoker.api.deps import Services
from stoker.api.schemas.common import ErrorOut

router = APIRouter(prefix="/keys", tags=["keys"], responses={400: {"model": ErrorOut}})


class KeyOut(BaseModel):
    id: str
    primary: bool
    #: The kinds of data it still seals ("roles", "run logs", "bookmarks").
    used_by: list[str]


class KeysOut(BaseModel):
    keys: list[KeyOut]


class RotatedOut(BaseModel):
    #: The new primary key: new data is sealed with it; old data stays readable.
    key_id: str


class ReencryptedOut(BaseModel):
    rewritten: dict[str, int]
    retired: list[str]


@router.get("")
async def list_keys(services: Services) -> KeysOut:
    found = await services.keys.list_keys()
    return KeysOut(keys=[KeyOut(id=k.key_id, primary=k.primary, used_by=k.used_by)
                         for k in found])  # fmt: skip


@router.post("/rotate")
async def rotate(services: Services) -> RotatedOut:
    """Add a new primary key to the key file (400 when the ring comes from the environment)."""
    return RotatedOut(key_id=await services.keys.rotate())


@router.post("/reencrypt")
async def reencrypt(services: Services) -> ReencryptedOut:
    """Rewrite everything under the primary key, then retire the other keys."""
    done = await services.keys.reencrypt()
    return ReencryptedOut(rewritten=done.rewritten, retired=done.retired)
