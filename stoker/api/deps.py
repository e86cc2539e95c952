"""Request-scoped access to the services the app was created with."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends, Request

from stoker.api.ports import ApiServices


def get_services(request: Request) -> ApiServices:
    return cast(ApiServices, request.app.state.services)


Services = Annotated[ApiServices, Depends(get_services)]
