"""The `[cluster]` settings: several daemons on one PostgreSQL (membership and leases)."""

from __future__ import annotations

import os
import socket

from pydantic import BaseModel, ConfigDict, Field, model_validator


def default_member_id() -> str:
    """hostname-pid: unique among the daemons of one installation, new at each start."""
    return f"{socket.gethostname()}-{os.getpid()}"


class ClusterSettings(BaseModel):
    """Membership and the singleton lease (docs/cluster.md). On SQLite there is one daemon:
    it holds the lease locally and none of this is written to the database."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    member_id: str | None = Field(
        default=None, min_length=1, max_length=255,
        description="This daemon's name among the members (unset: `<hostname>-<pid>`). "
        "Runs record the member that executes them. Give each daemon its own: two daemons "
        "with one id would be taken for one.",
    )  # fmt: skip
    lease_seconds: float = Field(
        default=6.0, gt=0, le=300,
        description="How long the singleton lease (and a member's heartbeat) stays valid "
        "without renewal: another member takes the lease over at most this long (plus one "
        "`heartbeat_seconds`) after its holder dies or loses the database.",
    )  # fmt: skip
    heartbeat_seconds: float = Field(
        default=2.0, gt=0,
        description="How often each member writes its heartbeat and renews or tries to take "
        "the lease; must be well under `lease_seconds` (at most a third of it).",
    )  # fmt: skip

    @property
    def member(self) -> str:
        """``member_id``, or this process's default."""
        return self.member_id or default_member_id()

    @model_validator(mode="after")
    def _renews_in_time(self) -> ClusterSettings:
        if self.heartbeat_seconds * 3 > self.lease_seconds:
            raise ValueError(
                f"cluster.heartbeat_seconds = {self.heartbeat_seconds:g} is more than a third "
                f"of cluster.lease_seconds = {self.lease_seconds:g}: a holder must get at least "
                "two tries to renew before its lease expires"
            )
        return self
