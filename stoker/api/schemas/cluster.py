"""Wire model of /cluster."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from stoker.domain.cluster import ClusterStatus, Lease, Member


class MemberOut(BaseModel):
    member_id: str
    host: str
    pid: int
    api_url: str
    started_on: datetime
    heartbeat_on: datetime
    #: Seconds since its last heartbeat, by the database's clock.
    heartbeat_age_seconds: float
    #: False once its heartbeat is older than ``lease_seconds``: its runs are settled.
    alive: bool
    #: Warm drivers it may use for runs, and how many of its live runs hold one.
    pool_capacity: int
    pool_busy: int
    #: Its STARTING, RUNNING and STOPPING runs.
    live_runs: int

    @classmethod
    def of(cls, member: Member) -> MemberOut:
        info = member.info
        return cls(
            member_id=info.member_id, host=info.host, pid=info.pid, api_url=info.api_url,
            started_on=info.started_on, heartbeat_on=member.heartbeat_on,
            heartbeat_age_seconds=round(member.heartbeat_age_seconds, 3), alive=member.alive,
            pool_capacity=info.pool_capacity, pool_busy=member.pool_busy,
            live_runs=member.live_runs,
        )  # fmt: skip


class LeaseOut(BaseModel):
    name: str
    holder: str
    #: The fencing token: one more at each acquisition.
    token: int
    expires_on: datetime
    #: Negative once expired (free for any member to take).
    expires_in_seconds: float

    @classmethod
    def of(cls, lease: Lease) -> LeaseOut:
        return cls(name=lease.name, holder=lease.holder, token=lease.token,
                   expires_on=lease.expires_on,
                   expires_in_seconds=round(lease.expires_in_seconds, 3))  # fmt: skip


class ClusterOut(BaseModel):
    #: The member that answered.
    member_id: str
    #: "postgresql": several daemons may share the database; "local": SQLite, one daemon.
    mode: str
    lease_seconds: float
    members: list[MemberOut]
    leases: list[LeaseOut]

    @classmethod
    def of(cls, status: ClusterStatus) -> ClusterOut:
        return cls(
            member_id=status.member_id, mode=status.mode, lease_seconds=status.lease_seconds,
            members=[MemberOut.of(m) for m in status.members],
            leases=[LeaseOut.of(lease) for lease in status.leases],
        )  # fmt: skip
