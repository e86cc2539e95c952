"""The members of an installation and the leases they hold: what `stoker cluster status` shows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

#: The one lease: its holder alone runs the work that must happen once (docs/cluster.md).
SINGLETON = "singleton"


@dataclass(frozen=True)
class MemberInfo:
    """What a member writes with each heartbeat."""

    member_id: str
    host: str
    pid: int
    api_url: str
    started_on: datetime
    pool_capacity: int


@dataclass(frozen=True)
class Member:
    """A member as stored, with how old its heartbeat is (database clock) and its live runs."""

    info: MemberInfo
    heartbeat_on: datetime
    heartbeat_age_seconds: float
    alive: bool
    #: Its STARTING, RUNNING and STOPPING runs, and how many of those use a warm driver.
    live_runs: int = 0
    pool_busy: int = 0


@dataclass(frozen=True)
class Lease:
    """A lease: who holds it, its fencing token (one more at each acquisition) and until when."""

    name: str
    holder: str
    token: int
    expires_on: datetime
    #: Seconds until it expires (negative: expired, free for another member to take).
    expires_in_seconds: float


@dataclass(frozen=True)
class ClusterStatus:
    """The installation as one member sees it."""

    member_id: str
    #: "postgresql": members and leases in the database; "local": SQLite, one daemon.
    mode: str
    lease_seconds: float
    members: tuple[Member, ...]
    leases: tuple[Lease, ...]
