"""The audit log route: GET /audit (admin only; stoker.api.access), newest entry first."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from stoker.api.deps import Services
from stoker.api.paging import decode_int_token, encode_token
from stoker.api.params import optional_time
from stoker.api.schemas.common import ErrorOut
from stoker.domain.audit import AuditEntry, AuditFilter

router = APIRouter(tags=["audit"], responses={400: {"model": ErrorOut}})


class AuditOut(BaseModel):
    id: int
    at: datetime
    #: The token's name (``tokens[<index>]`` for a bare one), the access key id, ``run <id>``
    #: for a run's own Glue key, or ``anonymous`` on a daemon without tokens.
    principal: str
    role: str
    address: str | None
    action: str
    target_kind: str
    target: str | None
    #: ``ok``, or the error code the caller was answered.
    outcome: str
    detail: dict[str, Any]


class AuditPage(BaseModel):
    entries: list[AuditOut]
    next_token: str | None


def audit_out(entry: AuditEntry) -> AuditOut:
    assert entry.id is not None  # read from the store
    return AuditOut(
        id=entry.id, at=entry.at, principal=entry.principal, role=entry.role,
        address=entry.address, action=entry.action, target_kind=entry.target_kind,
        target=entry.target, outcome=entry.outcome, detail=entry.detail,
    )  # fmt: skip


@router.get("/audit")
async def list_audit(
    services: Services,
    since: str | None = None,
    principal: Annotated[str | None, Query(max_length=255)] = None,
    action: Annotated[str | None, Query(max_length=64)] = None,
    target: Annotated[str | None, Query(max_length=1024)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    next_token: str | None = None,
) -> AuditPage:
    """Changes made through the API and the Glue endpoint, newest first, refusals
    included. Filters combine: ``since`` (ISO 8601 with an offset, inclusive),
    ``principal``, ``action`` (``job.create``, or ``job`` for every job action) and
    ``target`` (a name or id, exactly)."""
    where = AuditFilter(since=optional_time(since, "since"), principal=principal,
                        action=action, target=target)  # fmt: skip
    before = decode_int_token(next_token, "audit")
    found = await services.audit.list_entries(where, limit=limit + 1, before_id=before)
    page = found[:limit]
    last = page[-1].id if page else None
    token = encode_token("audit", last) if len(found) > limit and last is not None else None
    return AuditPage(entries=[audit_out(e) for e in page], next_token=token)
