"""A run's view of the Data Catalog, and the catalog writes it hands back.

The script of a run cannot reach the database, so before a run is launched the daemon
writes the whole catalog (connections with their credentials) and the ``[glue]
s3_buckets`` mapping to a private file in the run's directory, ``glue-context.json``, and
passes its path as ``--stoker-glue-context``. The run appends its catalog writes to the
updates file the context names, one JSON object a line. When the run ends, whatever its
outcome (Glue writes the catalog when the data is written, not at commit), the daemon
applies each valid line in a transaction of its own; a bad line is logged and skipped.
The applied file is renamed, so recovery (which also applies) never applies it twice.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from stoker.datacatalog.updates import UpdateLine, parse_line
from stoker.domain.datacatalog import CONTEXT_VERSION, GLUE_CONTEXT_ARG, validate_partitions
from stoker.domain.runs import JobRun
from stoker.errors import StokerError
from stoker.executors.private import open_private, private_dir, write_private
from stoker.store.datacatalog import CatalogStore

log = logging.getLogger(__name__)

CONTEXT_FILE = "glue-context.json"
UPDATES_FILE = "glue-catalog-updates.jsonl"
APPLIED_FILE = "glue-catalog-updates.applied.jsonl"
#: A run's updates beyond this are not read (a runaway script must not exhaust the daemon).
MAX_UPDATES_BYTES = 16 * 1024 * 1024


class RunCatalog:
    """Blocking calls (the run service makes them through its thread boundary)."""

    def __init__(self, store: CatalogStore, s3_buckets: Mapping[str, str],
                 clock: Callable[[], datetime]) -> None:  # fmt: skip
        self._store = store
        self._s3 = dict(s3_buckets)
        self._clock = clock

    def context(self, updates: Path) -> dict[str, Any]:
        """The content of a run's glue-context.json."""
        databases, tables, connections = self._store.everything()
        view: dict[str, Any] = {
            d.name: {"description": d.description, "location": d.location, "tables": {}}
            for d in databases
        }
        for table in tables:
            if table.database in view:
                view[table.database]["tables"][table.name] = table.fields()
        return {
            "version": CONTEXT_VERSION,
            "s3": dict(self._s3),
            "databases": view,
            "connections": {
                c.name: {"type": c.type, "url": c.url, "user": c.user, "password": c.password,
                         "properties": dict(c.properties)}
                for c in connections
            },
            "updates": str(updates),
        }  # fmt: skip

    def prepare(self, run: JobRun, run_dir: Path) -> dict[str, str]:
        """Write the run's context and an empty updates file (both 0600); the argument."""
        private_dir(run_dir)
        updates = run_dir / UPDATES_FILE
        context = self.context(updates)
        # Created here, private, so the lines the script appends are never readable by others.
        with open(open_private(updates), "w", encoding="utf-8"):
            pass
        (run_dir / APPLIED_FILE).unlink(missing_ok=True)
        write_private(run_dir / CONTEXT_FILE, json.dumps(context, separators=(",", ":")))
        return {GLUE_CONTEXT_ARG: str(run_dir / CONTEXT_FILE)}

    def apply_updates(self, run_id: str, run_dir: Path) -> tuple[int, int]:
        """Apply the run's catalog writes; (applied, skipped). Never raises."""
        path = run_dir / UPDATES_FILE
        try:
            with path.open("rb") as fh:
                data = fh.read(MAX_UPDATES_BYTES + 1)
            path.rename(run_dir / APPLIED_FILE)
        except FileNotFoundError:
            return 0, 0
        except OSError as exc:
            _skip(run_id, 0, f"the updates file cannot be read: {exc}")
            return 0, 0
        lines = data[:MAX_UPDATES_BYTES].split(b"\n")
        if len(data) > MAX_UPDATES_BYTES:
            _skip(run_id, len(lines), f"past {MAX_UPDATES_BYTES} bytes, the rest is not read")
            lines.pop()
        applied = skipped = 0
        for number, raw in enumerate(lines, start=1):
            if not raw.strip():
                continue
            if self._apply(run_id, number, raw):
                applied += 1
            else:
                skipped += 1
        log.info("catalog updates applied", extra={
            "action": "catalog.updates_applied", "run_id": run_id, "applied": applied,
            "skipped": skipped,
        })  # fmt: skip
        return applied, skipped

    def _apply(self, run_id: str, number: int, raw: bytes) -> bool:
        try:
            line: UpdateLine = parse_line(raw)
            partitions = line.partitions
            if partitions is not None:
                database, name, items = partitions
                table = self._store.get_table(database, name)
                partitions = (database, name, tuple(validate_partitions(table, items)))
            self._store.apply_line(line.table, partitions, self._clock())
        except StokerError as exc:
            _skip(run_id, number, exc.message)
            return False
        except Exception as exc:  # a store outage or a bug: this line only, never the daemon
            log.exception("catalog update failed", extra={
                "action": "catalog.update_failed", "run_id": run_id, "line": number})
            _skip(run_id, number, repr(exc))
            return False
        return True


def _skip(run_id: str, number: int, reason: str) -> None:
    log.warning("catalog update line %d of run %s skipped: %s", number, run_id, reason,
                extra={"action": "catalog.update_skipped", "run_id": run_id, "line": number})
