"""Jobs as code: one transaction reads every definition, asks what to change, and writes it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from stoker.domain.definitions import DefinitionChanges
from stoker.domain.jobs import Job
from stoker.domain.triggers import Trigger
from stoker.store.engine import Database
from stoker.store.jobs import JobStore
from stoker.store.triggers import TriggerStore

#: Given the stored jobs and triggers by name, the changes to make (or raise to make none).
Decide = Callable[[dict[str, Job], dict[str, Trigger]], DefinitionChanges]


class _DryRun(Exception):
    """Rolls the transaction back once the changes are known."""


class DefinitionsStore:
    """All-or-nothing writes of many definitions; the decision is the caller's."""

    def __init__(self, db: Database, jobs: JobStore, triggers: TriggerStore) -> None:
        self._db = db
        self._jobs = jobs
        self._triggers = triggers

    def apply(self, decide: Decide, now: datetime, *, dry_run: bool) -> DefinitionChanges:
        """Decide against the definitions as stored inside the write transaction, then
        write the changes; ``dry_run`` rolls them back. Returns the changes decided."""
        try:
            with self._db.write() as conn:
                jobs = {j.name: j for j in self._jobs.all_jobs(conn)}
                triggers = {t.name: t for t in self._triggers.all_triggers(conn)}
                changes = decide(jobs, triggers)
                for job in changes.create_jobs:
                    self._jobs.create_in(conn, job, now)
                for job in changes.replace_jobs:
                    self._jobs.replace_in(conn, job, now)
                for trigger in changes.create_triggers:
                    self._triggers.create_in(conn, trigger, now)
                for trigger in changes.replace_triggers:
                    self._triggers.replace_in(conn, trigger, now)
                for name in changes.delete_triggers:
                    self._triggers.delete_in(conn, name)
                for name in changes.delete_jobs:
                    self._jobs.delete_in(conn, name)
                if dry_run:
                    raise _DryRun
        except _DryRun:
            pass
        return changes

    def export(self) -> tuple[list[Job], list[Trigger]]:
        """Every job and trigger, each list ordered by name."""
        with self._db.read() as conn:
            jobs = self._jobs.all_jobs(conn)
            triggers = sorted(self._triggers.all_triggers(conn), key=lambda t: t.name)
        return jobs, triggers
