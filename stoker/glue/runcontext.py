"""The run's Glue context file: where ``s3://`` buckets live, the catalog, the connections.

The daemon writes it and passes ``--stoker-glue-context PATH`` (internal, like the
bookmark context; getResolvedOptions never returns it). On a laptop the path comes from
``STOKER_GLUE_CONTEXT``, or a test builds one in memory. Without any: an empty catalog,
and ``s3://`` paths fail with a clear error, because stoker never talks to AWS.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from stoker.glue.errors import EntityNotFoundException, GlueRuntimeError

CONTEXT_ARG = "--stoker-glue-context"
CONTEXT_ENV = "STOKER_GLUE_CONTEXT"
S3_SCHEMES = ("s3", "s3a", "s3n")


@dataclass
class RunContext:
    """The parsed context file (version 1)."""

    s3: dict[str, str] = field(default_factory=dict)
    databases: dict[str, Any] = field(default_factory=dict)
    connections: dict[str, Any] = field(default_factory=dict)
    updates: str | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RunContext:
        if data.get("version", 1) != 1:
            raise GlueRuntimeError(f"Glue context version {data.get('version')!r} is unknown")
        return cls(
            s3=dict(data.get("s3") or {}),
            databases=dict(data.get("databases") or {}),
            connections=dict(data.get("connections") or {}),
            updates=data.get("updates"),
        )

    def path(self, uri: str) -> str:
        """Where ``uri`` really is: ``s3://bucket/key`` through the bucket map (to a local
        directory or any Hadoop URI); every other path as given."""
        parts = urlsplit(uri)
        if parts.scheme not in S3_SCHEMES:
            return uri
        root = self.s3.get(parts.netloc)
        if root is None:
            mapped = ", ".join(sorted(self.s3)) or "none"
            raise GlueRuntimeError(
                f"s3 bucket {parts.netloc!r} of {uri} is not mapped to a directory (mapped: "
                f"{mapped}); map the bucket in the Glue context's 's3' table"
            )
        key = parts.path.lstrip("/")
        return root.rstrip("/") + ("/" + key if key else "")

    def table(self, database: str, table: str) -> dict[str, Any]:
        """The catalog table ``database.table``; EntityNotFoundException if absent."""
        found = self.databases.get(database)
        if found is None:
            raise EntityNotFoundException(f"Database {database} not found")
        entry = (found.get("tables") or {}).get(table)
        if entry is None:
            raise EntityNotFoundException(f"Table {table} not found in database {database}")
        return dict(entry)

    def connection(self, name: str) -> dict[str, Any]:
        """The named connection; EntityNotFoundException if absent."""
        found = self.connections.get(name)
        if found is None:
            known = ", ".join(sorted(self.connections)) or "none"
            raise EntityNotFoundException(f"Connection {name} not found (known: {known})")
        return dict(found)

    def record(self, update: Mapping[str, Any]) -> None:
        """Append one catalog update line for the daemon to apply after the run."""
        if self.updates is None:
            raise GlueRuntimeError(
                "this run has no catalog to update (no Glue context file with 'updates')"
            )
        line = json.dumps(dict(update), separators=(",", ":"), default=str) + "\n"
        fd = os.open(self.updates, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as out:
            out.write(line)


def load(argv: Sequence[str], environ: Mapping[str, str] | None = None) -> RunContext:
    """The context the run was given: ``--stoker-glue-context`` in argv (last wins), else
    ``STOKER_GLUE_CONTEXT``, else an empty one."""
    path = None
    for i, token in enumerate(argv):
        if token == CONTEXT_ARG and i + 1 < len(argv):
            path = argv[i + 1]
        elif token.startswith(CONTEXT_ARG + "="):
            path = token.partition("=")[2]
    if path is None:
        path = (os.environ if environ is None else environ).get(CONTEXT_ENV)
    if not path:
        return RunContext()
    with open(path, encoding="utf-8") as fh:
        return RunContext.from_dict(json.load(fh))
