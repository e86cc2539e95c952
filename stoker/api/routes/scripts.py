"""Route checking a script's Python syntax without running it: /scripts/check."""

from __future__ import annotations

import ast

from fastapi import APIRouter

from stoker.api.schemas.common import ErrorOut
from stoker.api.schemas.scripts import ScriptCheckIn, ScriptCheckOut
from stoker.domain.limits import script_bytes

router = APIRouter(tags=["jobs"], responses={400: {"model": ErrorOut}})


@router.post("/scripts/check")
def check_script(body: ScriptCheckIn) -> ScriptCheckOut:
    """Parse the script (never run it) and say where its first syntax error is.

    A plain ``def``: parsing a large script is CPU work, so it runs in the thread pool.
    """
    return syntax_check(body.script)


def syntax_check(script: str) -> ScriptCheckOut:
    """The first syntax error of ``script`` as Python parses it. What the script store
    would refuse (too large, not encodable) is refused the same way, field "script"."""
    script_bytes(script)
    try:
        ast.parse(script, "<script>")
    except SyntaxError as exc:
        line, column = exc.lineno, exc.offset
        if line is None:  # a NUL character: the parser gives no position
            line, column = _position(script, script.find("\x00"))
        return ScriptCheckOut(ok=False, line=line, column=column or 1, message=exc.msg)
    except (RecursionError, MemoryError):
        # Python cannot compile it either (nesting past its parser's limits): the script
        # would fail the same way when run, so it is an error to show, not a server fault.
        return ScriptCheckOut(
            ok=False, line=1, column=1,
            message="too deeply nested for Python to parse (an expression or call chain "
            "nested thousands deep); split it into smaller statements",
        )  # fmt: skip
    return ScriptCheckOut(ok=True)


def _position(script: str, index: int) -> tuple[int, int]:
    """1-based line and column of ``script[index]`` (the start when index is -1)."""
    index = max(index, 0)
    line_start = script.rfind("\n", 0, index) + 1
    return script.count("\n", 0, index) + 1, index - line_start + 1
