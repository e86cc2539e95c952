"""An interactive session inside a pool driver: its namespace, and one statement run in it.

A statement is Python compiled as a cell is in a notebook: every line runs, and when the
last one is an expression its value is shown (``1+1`` answers ``2``), as Glue's sessions
do. What the statement prints, and that value, become ``Data.TextPlain`` of Glue's
StatementOutput; an exception becomes its ErrorName, ErrorValue and Traceback.
"""

from __future__ import annotations

import ast
import contextlib
import importlib
import io
import linecache
import traceback
from dataclasses import dataclass
from typing import Any

from stoker.executors.gluesite import add_glue_site
from stoker.executors.runner import StopRequested

#: What a statement's output, error value or traceback keeps (characters): a careless
#: ``print(df.collect())`` must not hold gigabytes in the driver, the protocol and the daemon.
MAX_OUTPUT = 1_000_000


class _Capped(io.StringIO):
    """Keeps the first MAX_OUTPUT characters written and counts the rest."""

    def __init__(self) -> None:
        super().__init__()
        self.dropped = 0

    def write(self, text: str) -> int:
        room = max(MAX_OUTPUT - self.tell(), 0)
        if room < len(text):
            self.dropped += len(text) - room
        super().write(text[:room])
        return len(text)  # all of it taken: writers must not retry the rest

    def text(self) -> str:
        value = self.getvalue()
        if self.dropped:
            value += f"\n[stoker: output cut at {MAX_OUTPUT} characters; {self.dropped} more]"
        return value


def _cap(text: str) -> str:
    if len(text) <= MAX_OUTPUT:
        return text
    return text[:MAX_OUTPUT] + f"\n[stoker: cut at {MAX_OUTPUT} characters]"


@dataclass(frozen=True)
class StatementResult:
    """How one statement ended: ``ok``, ``error`` or ``cancelled``, with its output."""

    status: str
    text: str
    error_name: str | None = None
    error_value: str | None = None
    traceback: str | None = None


def session_namespace(spark: Any, arguments: dict[str, str], py_files: str) -> dict[str, Any]:
    """The globals every statement of a session shares: ``spark``, ``sc``, ``args`` and,
    when stoker's Glue runtime can make one, ``glueContext``."""
    sc = spark.sparkContext
    for path in filter(None, (p.strip() for p in py_files.split(","))):
        sc.addPyFile(path)
    namespace: dict[str, Any] = {
        "__name__": "__main__",
        "__builtins__": __builtins__,
        "spark": spark,
        "sc": sc,
        "args": {k.removeprefix("--"): v for k, v in arguments.items()},
    }
    add_glue_site()
    # Imported by name: awsglue is on sys.path only inside drivers (add_glue_site).
    namespace["glueContext"] = importlib.import_module("awsglue.context").GlueContext(sc)
    return namespace


def _compile(code: str, filename: str) -> tuple[Any, Any]:
    """The statement's body and, when it ends in an expression, that expression apart."""
    tree = ast.parse(code, filename, "exec")
    last = None
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last = ast.Expression(tree.body[-1].value)
        del tree.body[-1]
    body = compile(tree, filename, "exec")
    return body, compile(last, filename, "eval") if last is not None else None


def run_statement(code: str, namespace: dict[str, Any], number: int) -> StatementResult:
    """Run ``code`` in ``namespace``; print and the shown value captured, never raised
    (a StopRequested is the statement's cancellation and becomes ``cancelled``)."""
    filename = f"<statement {number}>"
    # Tracebacks show the statement's own lines, as a notebook's do.
    linecache.cache[filename] = (len(code), None, code.splitlines(keepends=True), filename)
    out = _Capped()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            body, last = _compile(code, filename)
            exec(body, namespace)  # noqa: S102 - running the user's statement is the point
            if last is not None:
                value = eval(last, namespace)  # noqa: S307
                if value is not None:
                    print(repr(value))
    except StopRequested:
        return StatementResult("cancelled", out.text(), "StatementCancelled",
                               "the statement was cancelled")  # fmt: skip
    except BaseException as exc:  # the statement's failure is its output, whatever it is
        return _failure(exc, out.text(), filename)
    return StatementResult("ok", out.text())


def _failure(exc: BaseException, text: str, filename: str) -> StatementResult:
    if isinstance(exc, SyntaxError):
        lines = traceback.format_exception_only(exc)
    else:
        tb = exc.__traceback__
        # From the statement's first frame on: this module's frame is noise to the user.
        while tb is not None and tb.tb_frame.f_code.co_filename != filename:
            tb = tb.tb_next
        lines = traceback.format_exception(type(exc), exc, tb or exc.__traceback__)
    return StatementResult("error", text, type(exc).__name__, _cap(str(exc)),
                           _cap("".join(lines)))  # fmt: skip
