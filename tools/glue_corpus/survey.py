"""Survey a corpus of Glue job scripts against what stoker's Glue runtime supports.

    python tools/glue_corpus/survey.py DIR [--verbose]

Each ``*.py`` under DIR is parsed with ``ast`` (never run). The Glue surface it uses —
``awsglue*``/``gs_*`` imports, GlueContext / DynamicFrame / Job / sink calls, transform
names, literal ``connection_type``, ``format``, ``format_options`` and
``connection_options`` — is checked against stoker itself: imports resolve against
stoker's site packages, methods against stoker's classes, options through stoker's own
validators (only ``NotSupported`` counts as a gap; a missing bucket map or connection is
configuration, not a gap). Values computed at run time are not judged.
"""

from __future__ import annotations

import argparse
import ast
import importlib
import importlib.util
import inspect
import sys
import textwrap
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stoker.glue import connections, formats, readers, sinks
from stoker.glue.context import GlueContext, GlueLogger
from stoker.glue.dynamicframe import DynamicFrame, DynamicFrameCollection
from stoker.glue.errors import NotSupported
from stoker.glue.job import Job
from stoker.glue.runcontext import RunContext
from stoker.glue.testing import SITE
from stoker.glue.transforms import classes

#: Method names of Glue's documented Python API (GlueContext, DynamicFrame,
#: DynamicFrameCollection, Job, DataSink/DataSource). The list only says which calls are
#: Glue's; whether stoker supports one is read from stoker's classes.
GLUE_METHODS = frozenset({
    "add_ingestion_time_columns", "apply_mapping", "assertErrorThreshold", "begin_transaction",
    "cancel_transaction", "coalesce", "commit", "commit_transaction",
    "create_data_frame_from_catalog", "create_data_frame_from_options",
    "create_dynamic_frame_from_catalog", "create_dynamic_frame_from_options",
    "create_dynamic_frame_from_rdd", "create_sample_dynamic_frame_from_catalog",
    "create_sample_dynamic_frame_from_options", "drop_fields",
    "errorsAsDynamicFrame", "errorsCount", "extract_jdbc_conf", "filter", "forEachBatch", "fromDF",
    "getNumPartitions", "getSink", "getSource", "get_catalog_schema_as_spark_schema", "get_logger",
    "init", "isInitialized", "join", "keys", "map", "mergeDynamicFrame", "printSchema",
    "purge_s3_path", "purge_table", "relationalize", "rename_field", "resolveChoice", "select",
    "select_fields", "setCatalogInfo", "setFormat", "simplify_ddb_json", "spigot", "split_fields",
    "split_rows", "stageErrorsCount", "toDF", "transition_s3_path", "transition_table", "unbox",
    "union", "unnest", "unnest_ddb_json", "values", "writeFrame", "write_data_frame_from_catalog",
    "write_dynamic_frame_from_catalog", "write_dynamic_frame_from_jdbc_conf",
    "write_dynamic_frame_from_options", "write_from_jdbc_conf", "write_from_options",
})  # fmt: skip
#: GlueContext's reader/writer attributes (set per instance) and stoker's classes for them.
READERS: dict[str, type] = {
    "create_dynamic_frame": readers.DynamicFrameReader,
    "create_data_frame": readers.DataFrameReader,
    "write_dynamic_frame": readers.DynamicFrameWriter,
    "write_data_frame": readers.DynamicFrameWriter,
}
CLASSES: tuple[type, ...] = (
    GlueContext,
    GlueLogger,
    DynamicFrame,
    DynamicFrameCollection,
    Job,
    sinks.DataSink,
)
TRANSFORMS = frozenset(classes.__all__) | classes.UNSUPPORTED
STREAMING_TYPES = ("kafka",)  # stoker reads Kafka as a stream: create_data_frame only


class _AnyBucket(RunContext):
    """Every bucket mapped: the survey judges options, not a run's configuration."""

    def path(self, uri: str) -> str:
        return uri


@dataclass
class Report:
    script: str
    used: set[str] = field(default_factory=set)
    gaps: set[str] = field(default_factory=set)
    error: str = ""

    def check(self, item: str, ok: bool) -> None:
        self.used.add(item)
        if not ok:
            self.gaps.add(item)


def _stub(func: Any) -> bool:
    """A method whose whole body raises (stoker's named refusal) is not support."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(func)))
    except (OSError, TypeError, SyntaxError):
        return False
    body = tree.body[0].body if isinstance(tree.body[0], ast.FunctionDef) else []
    body = [s for s in body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
    return len(body) == 1 and isinstance(body[0], ast.Raise)


def _has(owner: type, name: str) -> bool:
    member = getattr(owner, name, None)
    return member is not None and not _stub(member)


def _site_import(module: str, names: list[str]) -> list[tuple[str, bool]]:
    """Whether ``module`` (and each name) resolves to stoker's site packages."""
    if SITE not in sys.path:
        sys.path.insert(0, SITE)
    try:
        spec = importlib.util.find_spec(module)
    except ModuleNotFoundError:
        spec = None
    if spec is None or not str(spec.origin).startswith(SITE):
        return [(f"import {module}", False)]
    loaded = importlib.import_module(module)
    out = [(f"import {module}", True)]
    for name in names:
        try:
            ok = name == "*" or getattr(loaded, name, None) is not None
        except Exception:  # the site package's named refusal (GlueNotSupported)
            ok = False
        out.append((f"{module}.{name}", ok))
    return out


def _glue_module(name: str) -> bool:
    return name.split(".", maxsplit=1)[0].startswith(("awsglue", "gs_"))


def _chain(node: ast.expr) -> list[str]:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    return parts[::-1]


class _Dynamic:
    """A value computed at run time: the survey cannot judge it."""


def _literal(node: ast.expr | None) -> Any:
    if node is None:
        return None
    if isinstance(node, ast.Dict):
        return {
            _literal(k): _literal(v) for k, v in zip(node.keys, node.values, strict=True)
            if k is not None
        }  # fmt: skip
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, RecursionError):
        return _Dynamic()


def _args(call: ast.Call, names: tuple[str, ...]) -> dict[str, Any]:
    """The call's arguments by parameter name (positional ones after ``names``)."""
    out = {name: _literal(arg) for name, arg in zip(names, call.args, strict=False)}
    out.update({kw.arg: _literal(kw.value) for kw in call.keywords if kw.arg})
    return out


def _refused(check: Callable[[], object]) -> str | None:
    """Run one of stoker's validators: its NotSupported message, or None when accepted."""
    try:
        check()
    except NotSupported as exc:
        return str(exc).split(" is not supported")[0].split(": ", 1)[-1]
    except Exception:  # configuration or argument errors: not a gap in the surface
        return None
    return None


def _texts(value: Any) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        return {}
    return {str(k): ("" if isinstance(v, _Dynamic) else v) for k, v in value.items()}


def _io(report: Report, call: str, args: Mapping[str, Any], *, write: bool) -> None:
    """connection_type, connection_options, format and format_options of one read/write."""
    ctype = args.get("connection_type")
    if isinstance(ctype, str):
        kind = ctype.lower()
        streaming = kind in STREAMING_TYPES and call == "create_data_frame.from_options"
        report.check(f"connection_type {kind}", kind in connections.SUPPORTED or streaming)
        if kind in connections.SUPPORTED:
            options = _texts(args.get("connection_options"))
            gap = _refused(lambda: connections.resolve(call, kind, options, _AnyBucket()))
            if gap and "connection_type" not in gap:
                report.check(f"{kind} {gap}", False)
    fmt = args.get("format")
    if isinstance(fmt, str):
        report.check(f"format {fmt.lower()}", fmt.lower() in formats.FORMATS)
        validate = formats.write_format if write else formats.read_format
        options = _texts(args.get("format_options"))
        gap = _refused(lambda: validate(call, fmt, options))
        if gap and not gap.startswith("format '"):  # the format itself: checked above
            report.check(gap, False)


_IO_PARAMS = ("connection_type", "connection_options", "format", "format_options")


def _call(report: Report, node: ast.Call) -> None:
    chain = _chain(node.func)
    if len(chain) >= 2 and chain[-2] in READERS:
        name = f"{chain[-2]}.{chain[-1]}"
        report.check(name, _has(READERS[chain[-2]], chain[-1]))
        params = ("frame", *_IO_PARAMS) if chain[-2].startswith("write") else _IO_PARAMS
        if chain[-1] == "from_options":
            _io(report, name, _args(node, params), write=chain[-2].startswith("write"))
        return
    method = node.func.attr if isinstance(node.func, ast.Attribute) else ""
    if method in GLUE_METHODS:
        report.check(method, any(_has(c, method) for c in CLASSES))
    if method.endswith("from_options") and method.startswith(("create_", "write_")):
        prefix = method.removesuffix("_from_options")
        params = ("frame", *_IO_PARAMS) if prefix.startswith("write") else _IO_PARAMS
        _io(report, f"{prefix}.from_options", _args(node, params), write="write" in prefix)
    elif method == "getSink":
        _io(report, "getSink", _args(node, ("connection_type", "format")), write=True)
    elif method == "setFormat":
        args = _args(node, ("format",))
        fmt = args.pop("format", None)
        _io(report, "setFormat", {"format": fmt, "format_options": args}, write=True)


def _imports(report: Report, node: ast.Import | ast.ImportFrom, star: set[str]) -> None:
    if isinstance(node, ast.ImportFrom):
        module = node.module or ""
        if node.level == 0 and _glue_module(module):
            names = [a.name for a in node.names]
            if "*" in names:
                star.add(module)
            for item, ok in _site_import(module, names):
                report.check(item, ok)
        return
    for alias in node.names:
        if _glue_module(alias.name):
            for item, ok in _site_import(alias.name, []):
                report.check(item, ok)


def survey(path: Path) -> Report:
    report = Report(path.name)
    try:
        tree = ast.parse(path.read_text(encoding="utf-8", errors="replace"))
    except SyntaxError as exc:
        report.error = f"does not parse: {exc.msg} (line {exc.lineno})"
        return report
    star: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            _imports(report, node, star)
        elif isinstance(node, ast.Call):
            _call(report, node)
    if "awsglue.transforms" in star:
        names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} & TRANSFORMS
        for item, ok in _site_import("awsglue.transforms", sorted(names)):
            report.check(item, ok)
    return report


def _verdict(gaps: set[str]) -> str:
    return "gaps: " + "; ".join(sorted(gaps)) if gaps else "supported"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path, help="directory of Glue job scripts (*.py)")
    parser.add_argument("--verbose", action="store_true", help="one line per script")
    parser.add_argument("--top", type=int, default=25, help="gaps to list")
    opts = parser.parse_args(argv)
    reports = [survey(p) for p in sorted(opts.corpus.rglob("*.py"))]
    parsed = [r for r in reports if not r.error]
    gaps = Counter(g for r in parsed for g in r.gaps)
    if opts.verbose:
        for r in reports:
            print(f"{r.script}\t{r.error or _verdict(r.gaps)}")
    full = sum(1 for r in parsed if not r.gaps)
    share = 100 * full / len(parsed) if parsed else 0.0
    print(f"scripts: {len(reports)}, parsed: {len(parsed)}, supported: {full} ({share:.1f} %)")
    for item, count in gaps.most_common(opts.top):
        print(f"{count:4d}  {item}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
