"""The access rules themselves: every change has an audit action, every Glue operation a
permission, and an app with a route nobody ruled on is refused at build time."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import APIRouter, Depends

from stoker.api.access import RULES, Permission, authorize, check_rules
from stoker.api.app import create_app
from stoker.api.glue.access import GLUE_RULES
from stoker.api.glue.endpoint import OPERATIONS
from stoker.api.ports import ApiServices
from stoker.config.glue import GlueApiSettings
from stoker.config.settings import ApiSettings
from tests.unit.api.asgi import asgi_client
from tests.unit.api.fakes import FakeServices

_SESSION_OPS = {"CreateSession", "StopSession", "DeleteSession", "RunStatement",
                "CancelStatement"}  # fmt: skip


def test_every_change_has_an_audit_action_and_no_read_has_one() -> None:
    for (method, path), rule in RULES.items():
        changes = method != "GET" and rule.permission is not Permission.READ
        assert (rule.action is not None) == changes, (method, path)
        if rule.action is not None:
            kind, _, verb = rule.action.partition(".")
            assert kind and verb and rule.kind, (method, path, rule.action)


def test_secret_bearing_routes_are_admin_only() -> None:
    for (method, path), rule in RULES.items():
        if path.startswith(("/roles", "/keys", "/security-configurations", "/audit")):
            assert rule.permission is Permission.ADMIN, (method, path)


def test_every_glue_operation_has_a_rule() -> None:
    assert set(GLUE_RULES) == set(OPERATIONS)


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_each_glue_operation_needs_what_its_name_says(operation: str) -> None:
    rule = GLUE_RULES[operation]
    if operation in _SESSION_OPS | {"StartJobRun", "BatchStopJobRun", "StartTrigger",
                                    "StopTrigger", "ResetJobBookmark"}:  # fmt: skip
        assert rule.permission is Permission.OPERATE
    elif operation.startswith(("Get", "List", "BatchGet")):
        wanted = Permission.ADMIN if "SecurityConfiguration" in operation else Permission.READ
        assert rule.permission is wanted
    else:
        assert operation.startswith(("Create", "Update", "Delete", "BatchCreate", "Tag",
                                     "Untag"))  # fmt: skip
        assert rule.permission is Permission.ADMIN
    assert (rule.action is not None) == (rule.permission is not Permission.READ
                                         and not operation.startswith("Get"))  # fmt: skip


def test_an_app_with_an_unruled_route_is_refused(tmp_path: Path) -> None:
    typed: ApiServices = FakeServices(tmp_path / "logs")
    app = create_app(typed, ApiSettings(), version="9", metrics_exposition=lambda: b"",
                     metrics_auth=True, console=APIRouter(prefix="/console"),
                     glue=GlueApiSettings())  # fmt: skip
    check_rules(app)  # every route of the real app has a rule
    router = APIRouter(dependencies=[Depends(authorize)])

    @router.post("/brand-new")
    async def unruled() -> None: ...

    app.include_router(router)
    with pytest.raises(RuntimeError, match="POST /brand-new"):
        check_rules(app)
    with asgi_client(app) as client:
        refused = client.post("/brand-new")
    assert refused.status_code == 403 and "no access rule" in refused.json()["message"]
