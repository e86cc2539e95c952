"""The console's actions are API calls: each one its scripts make is a route of the access
table (tests/unit/api/test_api_access.py), so every role's answer to it is tested there."""

from __future__ import annotations

import re
from pathlib import Path

from tests.unit.api.test_api_access import EXPECTED

ASSETS = Path(__file__).parents[3] / "stoker" / "web" / "assets"
_CALL = re.compile(r"\b(get|post|put|del)\(([\"`])(/[^\"`]*)\2")
_METHODS = {"get": "GET", "post": "POST", "put": "PUT", "del": "DELETE"}


def _console_calls() -> set[tuple[str, str]]:
    calls = set()
    for script in ASSETS.rglob("*.js"):
        for verb, _, written in _CALL.findall(script.read_text()):
            path = re.sub(r"\$\{query\(.*", "", written).partition("?")[0]
            calls.add((_METHODS[verb], re.sub(r"\$\{[^}]*\}", "X", path)))
    return calls


def _matches(method: str, path: str) -> bool:
    """Whether a route of the table fits: ``X`` (a value the script fills in, a name or a
    verb) fits any segment, a template's ``{param}`` any value."""
    wanted = path.split("/")
    for route_method, template in EXPECTED:
        parts = template.split("/")
        if route_method != method or len(parts) != len(wanted):
            continue
        if all(w in ("X", p) or p.startswith("{") for w, p in zip(wanted, parts, strict=True)):
            return True
    return False


def test_every_console_call_is_a_route_of_the_access_table() -> None:
    calls = _console_calls()
    assert ("POST", "/jobs/X/runs") in calls and ("DELETE", "/jobs/X") in calls
    assert len(calls) > 20
    assert [call for call in sorted(calls) if not _matches(*call)] == []
