"""Wire model of the API's index, GET /."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class LinksOut(BaseModel):
    docs: str | None = Field(description="Interactive API documentation (Swagger UI).")
    openapi: str | None = Field(description="The OpenAPI document.")
    health: str = Field(description="Liveness, unauthenticated.")
    metrics: str | None = Field(
        description="Prometheus scrape target; null when it is served on metrics.port instead."
    )


class ResourcesOut(BaseModel):
    jobs: str
    runs: str
    triggers: str
    events: str


class IndexOut(BaseModel):
    """Where to go from here: the documentation and the resource collections."""

    name: Literal["stoker"] = "stoker"
    version: str
    description: str
    links: LinksOut
    resources: ResourcesOut
