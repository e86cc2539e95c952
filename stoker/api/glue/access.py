"""What each Glue operation needs of the access key that signed it (the roles and job
limits of stoker.api.access), and the audit action of each one that changes something.

Every operation served has a rule (a unit test asserts it). A limited key may use an
operation that names its job (``JobName``, ``JobNames``) for its jobs only; the catalog's
operations name no job, so the role alone decides them; any other operation (the lists
spanning jobs, triggers, sessions, CreateJob) is refused to limited keys.
"""

from __future__ import annotations

import glob
from dataclasses import dataclass
from typing import Any

from stoker.api.access import Permission, Principal, check_job
from stoker.api.ports import ApiServices
from stoker.domain.sessions import SESSION_HOLDER
from stoker.runs.credentials import RunCredentials


@dataclass(frozen=True)
class GlueRule:
    permission: Permission
    #: The audit action of a change; None for a read.
    action: str | None = None
    #: The members naming the job(s) the operation is about; () when it names none.
    job_members: tuple[str, ...] = ()
    #: A catalog operation: about no job, and a run's own key may change the catalog.
    catalog: bool = False

    @property
    def kind(self) -> str:
        return (self.action or "").partition(".")[0]


_R, _O, _A = Permission.READ, Permission.OPERATE, Permission.ADMIN
_JOB = ("JobName",)


def _catalog(permission: Permission, action: str | None = None) -> GlueRule:
    return GlueRule(permission, action, catalog=True)


#: Every Glue operation served → what it needs. Secret-bearing security configurations
#: are admin-only, reads included, as on the HTTP API.
GLUE_RULES: dict[str, GlueRule] = {
    # A new job is not yet one of a limited key's: refused to them, as POST /jobs is.
    "CreateJob": GlueRule(_A, "job.create"),
    "GetJob": GlueRule(_R, None, _JOB),
    "GetJobs": GlueRule(_R),
    "ListJobs": GlueRule(_R),
    "UpdateJob": GlueRule(_A, "job.update", _JOB),
    "DeleteJob": GlueRule(_A, "job.delete", _JOB),
    "BatchGetJobs": GlueRule(_R, None, ("JobNames",)),
    "StartJobRun": GlueRule(_O, "run.start", _JOB),
    "GetJobRun": GlueRule(_R, None, _JOB),
    "GetJobRuns": GlueRule(_R, None, _JOB),
    "BatchStopJobRun": GlueRule(_O, "run.stop", _JOB),
    "GetJobBookmark": GlueRule(_R, None, _JOB),
    "ResetJobBookmark": GlueRule(_O, "bookmark.reset", _JOB),
    "TagResource": GlueRule(_A, "tags.add"),
    "UntagResource": GlueRule(_A, "tags.remove"),
    "GetTags": GlueRule(_R),
    "CreateSecurityConfiguration": GlueRule(_A, "security_configuration.create"),
    "GetSecurityConfiguration": GlueRule(_A),
    "GetSecurityConfigurations": GlueRule(_A),
    "DeleteSecurityConfiguration": GlueRule(_A, "security_configuration.delete"),
    "CreateTrigger": GlueRule(_A, "trigger.create"),
    "GetTrigger": GlueRule(_R),
    "GetTriggers": GlueRule(_R),
    "ListTriggers": GlueRule(_R),
    "UpdateTrigger": GlueRule(_A, "trigger.update"),
    "DeleteTrigger": GlueRule(_A, "trigger.delete"),
    "StartTrigger": GlueRule(_O, "trigger.start"),
    "StopTrigger": GlueRule(_O, "trigger.deactivate"),
    "BatchGetTriggers": GlueRule(_R),
    "CreateDatabase": _catalog(_A, "database.create"),
    "GetDatabase": _catalog(_R),
    "GetDatabases": _catalog(_R),
    "UpdateDatabase": _catalog(_A, "database.update"),
    "DeleteDatabase": _catalog(_A, "database.delete"),
    "CreateTable": _catalog(_A, "table.create"),
    "GetTable": _catalog(_R),
    "GetTables": _catalog(_R),
    "UpdateTable": _catalog(_A, "table.update"),
    "DeleteTable": _catalog(_A, "table.delete"),
    "GetPartitions": _catalog(_R),
    "BatchCreatePartition": _catalog(_A, "partition.create"),
    "GetConnection": _catalog(_R),
    "GetConnections": _catalog(_R),
    # A session runs code on the daemon's Spark, as a job run does.
    "CreateSession": GlueRule(_O, "session.create"),
    "GetSession": GlueRule(_R),
    "ListSessions": GlueRule(_R),
    "StopSession": GlueRule(_O, "session.stop"),
    "DeleteSession": GlueRule(_O, "session.delete"),
    "RunStatement": GlueRule(_O, "statement.run"),
    "GetStatement": GlueRule(_R),
    "ListStatements": GlueRule(_R),
    "CancelStatement": GlueRule(_O, "statement.cancel"),
}

#: The members that name what an operation changes, most specific last.
_TARGET_MEMBERS = ("Name", "JobName", "TableName", "SessionId", "Id")


async def check(rule: GlueRule, operation: str, principal: Principal,
                services: ApiServices, data: dict[str, Any]) -> None:  # fmt: skip
    """AccessDenied unless ``principal`` may call ``operation`` with ``data``."""
    what = f"Glue {operation}"
    if not principal.may(rule.permission) and not (rule.catalog and principal.writes_catalog):
        raise principal.refused(
            f"{what} needs the {rule.permission} permission, which the "
            f"{principal.describe()} does not have",
            rule.permission,
        )
    if not principal.limited or rule.catalog:
        return
    names = [name for member in rule.job_members for name in _names(data.get(member))]
    if not rule.job_members:
        raise principal.refused(
            f"{what} is not about one job, and the {principal.describe()} may only use "
            "operations naming the jobs it is limited to",
            rule.permission,
        )
    for name in names:
        await check_job(services, principal, name, rule.permission)


def _names(value: Any) -> list[str]:
    """A member's job names; one of another type is left to the operation to refuse."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def target(data: dict[str, Any]) -> str | None:
    """What a change is about: ``db/table``, a job's or a session's name or id."""
    found = None
    for member in _TARGET_MEMBERS:
        value = data.get(member)
        if isinstance(value, str):
            found = value
    database = data.get("DatabaseName")
    if isinstance(database, str):
        return f"{database}/{found}" if found else database
    for nested in ("DatabaseInput", "TableInput"):
        inner = data.get(nested)
        if found is None and isinstance(inner, dict) and isinstance(inner.get("Name"), str):
            found = inner["Name"]
    return found


async def run_principal(services: ApiServices, credentials: RunCredentials,
                        key_id: str) -> Principal:  # fmt: skip
    """A run's own key: an operator of its own job (start, stop, bookmark, read), changing
    the catalog as scripts do. A session's key: a viewer changing the catalog (its code
    was sent by an operator, and names no job)."""
    credential = credentials.lookup(key_id)
    holder = credential.run_id if credential is not None else key_id
    kind, _, session_id = holder.partition(SESSION_HOLDER)
    if not kind and session_id:
        return Principal(f"session {session_id}", "viewer", writes_catalog=True)
    job = (await services.runs.get_run(holder)).job_name
    return Principal(f"run {holder}", "operator", jobs=(glob.escape(job),),
                     writes_catalog=True)  # fmt: skip
