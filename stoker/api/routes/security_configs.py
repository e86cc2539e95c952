"""Routes for security configurations: /security-configurations (Glue's Create/Get/Delete
SecurityConfiguration; docs/security.md)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel

from stoker.api.deps import Services
from stoker.api.paging import decode_str_token, encode_token
from stoker.api.schemas.common import ErrorOut, StrictModel, UtcTime, utc_or_none
from stoker.domain.security_configs import SecurityConfiguration

router = APIRouter(
    prefix="/security-configurations", tags=["security"],
    responses={400: {"model": ErrorOut}, 404: {"model": ErrorOut}},
)  # fmt: skip
Limit = Annotated[int, Query(ge=1, le=1000)]


class SecurityConfigIn(StrictModel):
    name: str
    #: Seal the runs' stdout and stderr logs (AES-256-GCM, the daemon's key ring).
    run_logs: bool = False
    #: Not supported yet: true is refused.
    job_bookmarks: bool = False
    #: Glue's S3Encryption mode, kept as given (the script writes S3 data, not stoker).
    s3_encryption: Literal["DISABLED", "SSE-S3", "SSE-KMS"] = "DISABLED"


class SecurityConfigOut(BaseModel):
    name: str
    run_logs: bool
    job_bookmarks: bool
    s3_encryption: str
    created_on: UtcTime | None


class SecurityConfigPage(BaseModel):
    security_configurations: list[SecurityConfigOut]
    next_token: str | None


def config_out(config: SecurityConfiguration) -> SecurityConfigOut:
    return SecurityConfigOut(name=config.name, run_logs=config.run_logs,
                             job_bookmarks=config.job_bookmarks,
                             s3_encryption=config.s3_encryption,
                             created_on=utc_or_none(config.created_on))  # fmt: skip


@router.post("", status_code=status.HTTP_201_CREATED, responses={409: {"model": ErrorOut}})
async def create_config(body: SecurityConfigIn, services: Services) -> SecurityConfigOut:
    config = SecurityConfiguration(body.name, body.run_logs, body.job_bookmarks,
                                   body.s3_encryption)  # fmt: skip
    return config_out(await services.security_configurations.create(config))


@router.get("")
async def list_configs(services: Services, limit: Limit = 100,
                       next_token: str | None = None) -> SecurityConfigPage:  # fmt: skip
    after = decode_str_token(next_token, "security-configurations")
    found = await services.security_configurations.list_configs(limit + 1, after)
    page = found[:limit]
    token = encode_token("security-configurations", page[-1].name) if len(found) > limit else None
    return SecurityConfigPage(security_configurations=[config_out(c) for c in page],
                              next_token=token)  # fmt: skip


@router.get("/{name}")
async def get_config(name: str, services: Services) -> SecurityConfigOut:
    return config_out(await services.security_configurations.get(name))


@router.delete("/{name}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_config(name: str, services: Services) -> Response:
    """Jobs naming it end ERROR at their next launch until it exists again."""
    await services.security_configurations.delete(name)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
