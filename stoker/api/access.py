"""Access control: who the caller is (a Principal), what each route needs (RULES), and the
one dependency that checks the two against each other before any route runs.

A route without a rule is refused to everyone (and the daemon's ``check_rules`` refuses to
serve such an app), so a new route cannot be reachable by accident. Job limits are checked
here when the request names its job (the path's ``name``, a run's job, a ``job`` query);
the two lists that span jobs (GET /jobs, GET /runs) filter their pages to the permitted
jobs themselves. Every rule with an action is a change, and ``authorize`` records each in
the audit log.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from fnmatch import fnmatchcase
from typing import Annotated, Any, cast

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute, iter_route_contexts

from stoker.api.deps import Services
from stoker.api.ports import ApiServices
from stoker.config.access import ROLES, Grant, Role
from stoker.domain.audit import OK, AuditEntry
from stoker.domain.jobs import Job
from stoker.errors import AccessDenied, InvalidInput, NotFound, StokerError


class Permission(StrEnum):
    """What a request does: ``read`` (viewer), ``operate`` (operator), ``admin``."""

    READ = "read"
    OPERATE = "operate"
    ADMIN = "admin"


#: The least role holding each permission (ROLES is ordered least to most).
_NEEDS: dict[Permission, Role] = {
    Permission.READ: "viewer",
    Permission.OPERATE: "operator",
    Permission.ADMIN: "admin",
}


@dataclass(frozen=True)
class Principal:
    """A caller: the name the audit log records, its role and its job limits."""

    name: str
    role: Role = "admin"
    jobs: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    #: A run's or a session's own Glue key: it may change the Data Catalog whatever its role.
    writes_catalog: bool = False
    #: Where the request came from (the client address), for the audit log.
    address: str | None = field(default=None, compare=False)

    @classmethod
    def of(cls, name: str, grant: Grant) -> Principal:
        return cls(name, grant.role, tuple(grant.jobs), tuple(grant.tags))

    @property
    def limited(self) -> bool:
        return bool(self.jobs or self.tags)

    def may(self, permission: Permission) -> bool:
        return ROLES.index(self.role) >= ROLES.index(_NEEDS[permission])

    def permits_name(self, name: str) -> bool:
        """Whether a name pattern of the principal covers job ``name``."""
        return any(fnmatchcase(name, pattern) for pattern in self.jobs)

    def permits(self, job: Job) -> bool:
        """Whether a limited principal may touch ``job`` (an unlimited one may touch any)."""
        if not self.limited or self.permits_name(job.name):
            return True
        for tag in self.tags:
            key, equals, value = tag.partition("=")
            if key in job.tags and (not equals or job.tags[key] == value):
                return True
        return False

    def describe(self) -> str:
        limits = ", ".join([*self.jobs, *(f"tag {t}" for t in self.tags)])
        return f"{self.role} {self.name!r}" + (f" (limited to {limits})" if limits else "")

    def refused(self, message: str, needed: Permission, job: str | None = None) -> AccessDenied:
        return AccessDenied(message, principal=self.name, role=self.role, needed=needed,
                            job=job)  # fmt: skip


#: The caller when the daemon has no tokens (loopback only): allowed everything.
ANONYMOUS = Principal("anonymous")
#: Where the request guard leaves the caller in the ASGI scope.
PRINCIPAL_KEY = "stoker.principal"


class JobFrom(StrEnum):
    """Where a route's job is known, for principals limited to jobs."""

    NONE = "none"  # spans jobs, or is about what a job limit cannot scope: refused to them
    UNSCOPED = "unscoped"  # about no job at all (the catalog): the role alone decides
    PATH = "path"  # the path's {name}
    RUN = "run"  # the job of the path's {run_id}
    QUERY = "query"  # the ``job`` query parameter, which a limited principal must give
    LIST = "list"  # the route filters what it lists (permitted_jobs)


@dataclass(frozen=True)
class Rule:
    permission: Permission
    job: JobFrom = JobFrom.NONE
    #: What the audit log calls a change (``<kind>.<verb>``); None for a read.
    action: str | None = None
    #: The kind of the audit entry's target when it is not the action's own (run.start's
    #: target is the job it starts).
    target_kind: str | None = None

    @property
    def kind(self) -> str:
        return self.target_kind or (self.action or "").partition(".")[0]


_R, _O, _A = Permission.READ, Permission.OPERATE, Permission.ADMIN
_PATH, _RUN, _QUERY, _LIST = JobFrom.PATH, JobFrom.RUN, JobFrom.QUERY, JobFrom.LIST
_ANY = JobFrom.UNSCOPED
_NONE = JobFrom.NONE
_DB = "/catalog/databases/{database}"
_SESSION = "/sessions/{session_id}"

#: Every protected route: (method, path template) → what it needs and, for a change, the
#: name the audit log gives it. Secret-bearing routes (roles, keys, security
#: configurations) and the audit log itself are admin-only, reads included.
RULES: dict[tuple[str, str], Rule] = {
    ("GET", "/metrics"): Rule(_R),
    ("POST", "/jobs/generate"): Rule(_A, _NONE, "job.create"),
    ("POST", "/jobs"): Rule(_A, _NONE, "job.create"),
    ("GET", "/jobs"): Rule(_R, _LIST),
    ("GET", "/jobs/{name}"): Rule(_R, _PATH),
    ("PUT", "/jobs/{name}"): Rule(_A, _PATH, "job.update"),
    ("DELETE", "/jobs/{name}"): Rule(_A, _PATH, "job.delete"),
    ("GET", "/jobs/{name}/script"): Rule(_R, _PATH),
    ("PUT", "/jobs/{name}/script"): Rule(_A, _PATH, "job.script_update"),
    ("GET", "/runs/stream"): Rule(_R, _QUERY),
    ("POST", "/jobs/{name}/runs"): Rule(_O, _PATH, "run.start", "job"),
    ("GET", "/runs"): Rule(_R, _LIST),
    ("GET", "/runs/summary"): Rule(_R, _QUERY),
    ("GET", "/runs/{run_id}"): Rule(_R, _RUN),
    ("POST", "/runs/{run_id}/stop"): Rule(_O, _RUN, "run.stop"),
    ("GET", "/runs/{run_id}/logs"): Rule(_R, _RUN),
    ("GET", "/runs/{run_id}/metrics"): Rule(_R, _RUN),
    ("GET", "/jobs/{name}/metrics"): Rule(_R, _PATH),
    ("GET", "/events"): Rule(_R),
    ("POST", "/triggers"): Rule(_A, _NONE, "trigger.create"),
    ("POST", "/triggers/preview"): Rule(_R),
    ("GET", "/triggers"): Rule(_R),
    ("GET", "/triggers/{name}"): Rule(_R),
    ("PUT", "/triggers/{name}"): Rule(_A, _NONE, "trigger.update"),
    ("DELETE", "/triggers/{name}"): Rule(_A, _NONE, "trigger.delete"),
    ("POST", "/triggers/{name}/start"): Rule(_O, _NONE, "trigger.start"),
    ("POST", "/triggers/{name}/activate"): Rule(_O, _NONE, "trigger.activate"),
    ("POST", "/triggers/{name}/deactivate"): Rule(_O, _NONE, "trigger.deactivate"),
    ("GET", "/jobs/{name}/triggers"): Rule(_R, _PATH),
    ("POST", "/apply"): Rule(_A, _NONE, "definitions.apply"),
    ("GET", "/export"): Rule(_R),
    ("GET", "/jobs/{name}/bookmark"): Rule(_R, _PATH),
    ("GET", "/jobs/{name}/bookmark/history"): Rule(_R, _PATH),
    ("POST", "/jobs/{name}/bookmark/reset"): Rule(_O, _PATH, "bookmark.reset", "job"),
    ("POST", "/jobs/{name}/bookmark/set"): Rule(_O, _PATH, "bookmark.set", "job"),
    ("POST", "/catalog/databases"): Rule(_A, _ANY, "database.create"),
    ("GET", "/catalog/databases"): Rule(_R, _ANY),
    ("GET", _DB): Rule(_R, _ANY),
    ("DELETE", _DB): Rule(_A, _ANY, "database.delete"),
    ("POST", f"{_DB}/tables"): Rule(_A, _ANY, "table.create"),
    ("PUT", f"{_DB}/tables/{{table}}"): Rule(_A, _ANY, "table.update"),
    ("GET", f"{_DB}/tables"): Rule(_R, _ANY),
    ("GET", f"{_DB}/tables/{{table}}"): Rule(_R, _ANY),
    ("DELETE", f"{_DB}/tables/{{table}}"): Rule(_A, _ANY, "table.delete"),
    ("POST", f"{_DB}/tables/{{table}}/partitions"): Rule(_A, _ANY, "partition.create"),
    ("GET", f"{_DB}/tables/{{table}}/partitions"): Rule(_R, _ANY),
    ("POST", "/catalog/connections"): Rule(_A, _ANY, "connection.create"),
    ("GET", "/catalog/connections"): Rule(_R, _ANY),
    ("GET", "/catalog/connections/{name}"): Rule(_R, _ANY),
    ("DELETE", "/catalog/connections/{name}"): Rule(_A, _ANY, "connection.delete"),
    # Inference reads the data at a path the daemon can reach: more than reading stoker's own.
    ("POST", "/catalog/infer"): Rule(_O, _ANY, "catalog.infer"),
    ("POST", "/scripts/check"): Rule(_R, _ANY),
    # A session runs code on the daemon's Spark, as a job run does.
    ("POST", "/sessions"): Rule(_O, _NONE, "session.create"),
    ("GET", "/sessions"): Rule(_R),
    ("GET", _SESSION): Rule(_R),
    ("POST", f"{_SESSION}/stop"): Rule(_O, _NONE, "session.stop"),
    ("DELETE", _SESSION): Rule(_O, _NONE, "session.delete"),
    ("POST", f"{_SESSION}/statements"): Rule(_O, _NONE, "statement.run", "session"),
    ("GET", f"{_SESSION}/statements"): Rule(_R),
    ("GET", f"{_SESSION}/statements/{{statement_id}}"): Rule(_R),
    ("POST", f"{_SESSION}/statements/{{statement_id}}/cancel"):
        Rule(_O, _NONE, "statement.cancel"),
    ("POST", "/roles"): Rule(_A, _NONE, "role.create"),
    ("GET", "/roles"): Rule(_A),
    ("GET", "/roles/{name}"): Rule(_A),
    ("PUT", "/roles/{name}"): Rule(_A, _NONE, "role.update"),
    ("DELETE", "/roles/{name}"): Rule(_A, _NONE, "role.delete"),
    ("GET", "/keys"): Rule(_A),
    ("POST", "/keys/rotate"): Rule(_A, _NONE, "key.rotate"),
    ("POST", "/keys/reencrypt"): Rule(_A, _NONE, "key.reencrypt"),
    ("POST", "/security-configurations"): Rule(_A, _NONE, "security_configuration.create"),
    ("GET", "/security-configurations"): Rule(_A),
    ("GET", "/security-configurations/{name}"): Rule(_A),
    ("DELETE", "/security-configurations/{name}"):
        Rule(_A, _NONE, "security_configuration.delete"),
    ("GET", "/cluster"): Rule(_R),
    ("GET", "/audit"): Rule(_A),
}  # fmt: skip


def route_key(method: str, path: str) -> tuple[str, str]:
    return ("GET" if method == "HEAD" else method, path)


def check_rules(app: FastAPI) -> None:
    """Raise RuntimeError naming every route of ``app`` (made by create_app) that is
    neither public nor in RULES. Such a route is refused to everyone anyway (authorize);
    the daemon calls this once before serving so that it is found at start, not by a
    caller. Not in create_app: walking every route builds them all, a quarter second."""
    open_paths, prefixes = app.state.unguarded
    missing = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if not isinstance(route, APIRoute) or route.path in open_paths:
            continue
        if route.path.startswith(prefixes):
            continue
        missing += [f"{m} {route.path}" for m in sorted(route.methods or ())
                    if route_key(m, route.path) not in RULES]  # fmt: skip
    if missing:
        raise RuntimeError(f"routes without an access rule (stoker.api.access.RULES): {missing}")


def principal_of(request: Request) -> Principal:
    """The caller the guard authenticated (ANONYMOUS when the daemon has no tokens)."""
    return cast(Principal, request.scope.get(PRINCIPAL_KEY, ANONYMOUS))


async def authorize(request: Request, services: Services) -> AsyncIterator[Principal]:
    """The one check of every protected route: its rule against the caller. A change (a
    rule with an action) is recorded in the audit log once it has ended, refusals too."""
    principal = principal_of(request)
    route = request.scope.get("route")
    path = route.path if isinstance(route, APIRoute) else request.url.path
    rule = RULES.get(route_key(request.method, path))
    what = f"{request.method} {path}"
    if rule is None:
        raise principal.refused(f"{what} has no access rule; it is refused to everyone",
                                Permission.ADMIN)  # fmt: skip
    # Before the route runs: after it, a body the route never read is gone with the client.
    target = await _target(request, route) if rule.action is not None else None
    try:
        await _check(rule, request, services, principal, what)
    except AccessDenied as refused:
        await _record(services, request, principal, rule, target, refused)
        raise
    if rule.action is None:
        yield principal
        return
    try:
        yield principal
    except Exception as error:
        await _record(services, request, principal, rule, target, _as_stoker(error))
        raise
    await _record(services, request, principal, rule, target, None)


#: The check as a dependency: ``scope="function"`` ends it (writes the audit entry) before
#: the response is sent, so a client that reads the audit log next finds its change there.
#: Routes and routers use this one object, so that FastAPI runs the check once a request.
AUTHORIZE = Depends(authorize, scope="function")
Caller = Annotated[Principal, AUTHORIZE]


def _as_stoker(error: Exception) -> StokerError:
    """What the audit log records of a change that failed: the code the client got."""
    if isinstance(error, StokerError):
        return error
    if isinstance(error, RequestValidationError):
        return InvalidInput("the request does not match the route's schema")
    return StokerError("internal error; see the daemon log")


async def _check(rule: Rule, request: Request, services: ApiServices, principal: Principal,
                 what: str) -> None:  # fmt: skip
    if not principal.may(rule.permission):
        raise principal.refused(
            f"{what} needs the {rule.permission} permission, which the "
            f"{principal.describe()} does not have",
            rule.permission,
        )
    if principal.limited and rule.job not in (JobFrom.LIST, JobFrom.UNSCOPED):
        name = await _job_of(rule, request, services, principal, what)
        await check_job(services, principal, name, rule.permission)


async def _job_of(rule: Rule, request: Request, services: ApiServices, principal: Principal,
                  what: str) -> str:  # fmt: skip
    if rule.job is JobFrom.PATH:
        return str(request.path_params["name"])
    if rule.job is JobFrom.RUN:
        return (await services.runs.get_run(str(request.path_params["run_id"]))).job_name
    job = request.query_params.get("job") if rule.job is JobFrom.QUERY else None
    if job is None:
        how = "; give ?job=<name>" if rule.job is JobFrom.QUERY else ""
        raise principal.refused(
            f"{what} is not about one job, and the {principal.describe()} may only use "
            f"routes of the jobs it is limited to{how}",
            rule.permission,
        )
    return job


async def check_job(services: ApiServices, principal: Principal, name: str,
                    permission: Permission) -> None:  # fmt: skip
    """AccessDenied unless the principal may touch job ``name``. A job outside its limits
    is refused whether it exists or not, so a limited caller cannot probe for names."""
    if not principal.limited or principal.permits_name(name):
        return
    if principal.tags:
        try:
            if principal.permits(await services.jobs.get_job(name)):
                return
        except NotFound:
            pass
    raise principal.refused(f"the {principal.describe()} may not use job {name!r}",
                            permission, job=name)  # fmt: skip


async def permitted_jobs(services: ApiServices, principal: Principal,
                         names: Iterable[str]) -> set[str]:  # fmt: skip
    """Which of ``names`` the principal may see (all for an unlimited one)."""
    wanted = set(names)
    if not principal.limited:
        return wanted
    allowed = set()
    for name in wanted:
        try:
            await check_job(services, principal, name, Permission.READ)
        except AccessDenied:
            continue
        allowed.add(name)
    return allowed


def audit_entry(principal: Principal, action: str, target_kind: str, target: str | None,
                error: StokerError | None, detail: dict[str, Any]) -> AuditEntry:  # fmt: skip
    """The entry of one change by ``principal`` (``at`` is stamped by the audit service)."""
    if error is not None:
        detail = {**detail, "message": error.message}
    return AuditEntry(
        at=datetime.now(UTC), principal=principal.name, role=principal.role,
        address=principal.address, action=action, target_kind=target_kind, target=target,
        outcome=OK if error is None else error.code, detail=detail,
    )  # fmt: skip


async def _record(services: ApiServices, request: Request, principal: Principal, rule: Rule,
                  target: str | None, error: StokerError | None) -> None:  # fmt: skip
    if rule.action is None:
        return
    detail: dict[str, Any] = {"request": f"{request.method} {request.url.path}"}
    entry = audit_entry(principal, rule.action, rule.kind, target, error, detail)
    await services.audit.record(entry)


async def _target(request: Request, route: object) -> str | None:
    """The path's names and ids (``db/table``), else the body's ``name`` (a create). The
    body is read only when the route takes one (FastAPI has read it already, cached)."""
    if request.path_params:
        return "/".join(str(value) for value in request.path_params.values())
    if not isinstance(route, APIRoute) or route.body_field is None:
        return None
    try:
        body = json.loads(await request.body() or b"null")
    except ValueError:
        return None
    name = body.get("name") if isinstance(body, dict) else None
    return name if isinstance(name, str) else None
