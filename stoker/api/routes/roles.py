"""Routes for roles: /roles (the credentials a job's runs receive; docs/security.md).

No answer ever holds a secret value: the service masks, and so does ``role_out``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from stoker.api.deps import Services
from stoker.api.paging import decode_str_token, encode_token
from stoker.api.schemas.common import ErrorOut
from stoker.api.schemas.roles import RoleIn, RoleOut, RolePage, role_from_in, role_out
from stoker.errors import InvalidInput

router = APIRouter(
    prefix="/roles", tags=["roles"],
    responses={400: {"model": ErrorOut}, 404: {"model": ErrorOut}},
)  # fmt: skip
Limit = Annotated[int, Query(ge=1, le=1000)]


@router.post("", status_code=status.HTTP_201_CREATED, responses={409: {"model": ErrorOut}})
async def create_role(body: RoleIn, services: Services) -> RoleOut:
    """A role; its secret values are kept encrypted and shown as '****'."""
    if body.name is None:
        raise InvalidInput("name is required", field="name")
    return role_out(await services.roles.create_role(role_from_in(body, body.name)))


@router.get("")
async def list_roles(services: Services, limit: Limit = 100,
                     next_token: str | None = None) -> RolePage:  # fmt: skip
    found = await services.roles.list_roles(limit + 1, decode_str_token(next_token, "roles"))
    page = found[:limit]
    token = encode_token("roles", page[-1].name) if len(found) > limit else None
    return RolePage(roles=[role_out(r) for r in page], next_token=token)


@router.get("/{name}")
async def get_role(name: str, services: Services) -> RoleOut:
    return role_out(await services.roles.get_role(name))


@router.put("/{name}")
async def update_role(name: str, body: RoleIn, services: Services) -> RoleOut:
    """Replace the role; values sent as '****' keep the stored ones. Runs started from now
    on receive the new credentials; live runs keep theirs."""
    if body.name is not None and body.name != name:
        raise InvalidInput(f"name {body.name!r} in the body differs from {name!r} in the "
                           "path; roles cannot be renamed", field="name")  # fmt: skip
    return role_out(await services.roles.update_role(role_from_in(body, name)))


@router.delete("/{name}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_role(name: str, services: Services) -> Response:
    """Jobs that name it fail to launch (a clear error) until it is created again."""
    await services.roles.delete_role(name)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
