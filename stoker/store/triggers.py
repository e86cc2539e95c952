"""Trigger rows: create, replace, state changes, fire bookkeeping and the watch index."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime

from sqlalchemy import Connection, bindparam, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from stoker.domain.triggers import Trigger, TriggerState, TriggerType
from stoker.errors import Conflict, NotFound
from stoker.store.engine import Database
from stoker.store.tables import trigger_watches, triggers
from stoker.store.trigger_codec import trigger_from_row, trigger_to_json

_GET = select(triggers).where(triggers.c.name == bindparam("name"))
_GET_LOCKED = _GET.with_for_update()
_GET_MANY = select(triggers).where(triggers.c.name.in_(bindparam("names", expanding=True)))
_RECORD_FIRE = (
    update(triggers)
    .where(triggers.c.name == bindparam("trigger"))
    .values(last_fire_time=bindparam("fired"))
)


class TriggerStore:
    """Definitions and state; ``*_in`` methods join a caller's transaction (apply)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def create(self, trigger: Trigger, now: datetime) -> Trigger:
        with self._db.write() as conn:
            return self.create_in(conn, trigger, now)

    def create_in(self, conn: Connection, trigger: Trigger, now: datetime) -> Trigger:
        try:
            with conn.begin_nested():
                conn.execute(
                    insert(triggers).values(
                        name=trigger.name,
                        type=trigger.type.value,
                        state=trigger.state.value,
                        definition=trigger_to_json(trigger),
                        created_on=now,
                        last_modified_on=now,
                        missed_fires=0,
                    )
                )
        except IntegrityError as exc:
            raise Conflict(
                f"trigger {trigger.name!r} already exists; update it or choose another name",
                field="name",
                value=trigger.name,
            ) from exc
        self._index(conn, trigger)
        return replace(trigger, created_on=now, last_modified_on=now)

    def replace(self, trigger: Trigger, now: datetime) -> Trigger:
        with self._db.write() as conn:
            return self.replace_in(conn, trigger, now)

    def replace_in(self, conn: Connection, trigger: Trigger, now: datetime) -> Trigger:
        """Replace the definition (Glue's UpdateTrigger); the state is kept."""
        row = conn.execute(
            update(triggers)
            .where(triggers.c.name == trigger.name)
            .values(type=trigger.type.value, definition=trigger_to_json(trigger),
                    last_modified_on=now)
            .returning(*triggers.c)
        ).one_or_none()  # fmt: skip
        if row is None:
            raise _missing(trigger.name)
        updated = trigger_from_row(row)
        self._index(conn, updated)
        return updated

    def set_state(self, name: str, state: TriggerState, now: datetime) -> Trigger:
        with self._db.write() as conn:
            row = conn.execute(
                update(triggers)
                .where(triggers.c.name == name)
                .values(state=state.value, last_modified_on=now)
                .returning(*triggers.c)
            ).one_or_none()
            if row is None:
                raise _missing(name)
            changed = trigger_from_row(row)
            self._index(conn, changed)
            return changed

    def record_fire(self, conn: Connection, name: str, fire_time: datetime) -> None:
        conn.execute(_RECORD_FIRE, {"trigger": name, "fired": fire_time})

    def record_fires(self, conn: Connection, fires: Sequence[tuple[str, datetime]]) -> None:
        """``record_fire`` for a burst (name, fire time), in one executemany; the rows are
        updated in name order (PostgreSQL locks them in that order)."""
        if fires:
            params = [{"trigger": name, "fired": time} for name, time in sorted(fires)]
            conn.execute(_RECORD_FIRE, params)

    def add_missed(self, name: str, count: int) -> None:
        with self._db.write() as conn:
            conn.execute(
                update(triggers)
                .where(triggers.c.name == name)
                .values(missed_fires=triggers.c.missed_fires + count)
            )

    def get(self, name: str) -> Trigger:
        with self._db.read() as conn:
            return self.get_in(conn, name)

    def get_in(self, conn: Connection, name: str, *, lock: bool = False) -> Trigger:
        """``lock``: hold the row until the transaction ends (PostgreSQL; SQLite's write
        transaction already excludes other writers), so two completions that together
        satisfy an AND trigger are evaluated one after the other and the second sees the
        first's match."""
        query = _GET_LOCKED if lock and not self._db.is_sqlite else _GET
        row = conn.execute(query, {"name": name}).one_or_none()
        if row is None:
            raise _missing(name)
        return trigger_from_row(row)

    def get_many_in(self, conn: Connection, names: Iterable[str]) -> dict[str, Trigger]:
        """The named triggers by name, in one statement; a name not stored is absent."""
        rows = conn.execute(_GET_MANY, {"names": sorted(set(names))})
        return {row.name: trigger_from_row(row) for row in rows}

    def list_triggers(
        self, *, limit: int, after: str | None = None, job_name: str | None = None
    ) -> list[Trigger]:
        query = select(triggers).order_by(triggers.c.name)
        if after is not None:
            query = query.where(triggers.c.name > after)
        if job_name is None:
            query = query.limit(limit)
        with self._db.read() as conn:
            found = [trigger_from_row(row) for row in conn.execute(query)]
        if job_name is not None:
            found = [t for t in found if job_name in t.started_jobs | t.watched_jobs]
        return found[:limit]

    def all_triggers(self, conn: Connection | None = None) -> list[Trigger]:
        if conn is not None:
            return [trigger_from_row(r) for r in conn.execute(select(triggers))]
        with self._db.read() as own:
            return [trigger_from_row(r) for r in own.execute(select(triggers))]

    def active_of_type(self, kind: TriggerType) -> list[Trigger]:
        """ACTIVATED triggers of one type (the event consumer re-reads these every second,
        so it must not decode every scheduled trigger each time)."""
        query = select(triggers).where(
            triggers.c.type == kind.value, triggers.c.state == TriggerState.ACTIVATED.value
        )
        with self._db.read() as conn:
            return [trigger_from_row(r) for r in conn.execute(query)]

    def delete(self, name: str) -> None:
        with self._db.write() as conn:
            self.delete_in(conn, name)

    def delete_in(self, conn: Connection, name: str) -> None:
        conn.execute(delete(trigger_watches).where(trigger_watches.c.trigger_name == name))
        if conn.execute(delete(triggers).where(triggers.c.name == name)).rowcount == 0:
            raise _missing(name)

    def _index(self, conn: Connection, trigger: Trigger) -> None:
        """Keep the job → conditional trigger index in step with the definition."""
        conn.execute(delete(trigger_watches).where(trigger_watches.c.trigger_name == trigger.name))
        if trigger.type is not TriggerType.CONDITIONAL or trigger.predicate is None:
            return
        conn.execute(
            insert(trigger_watches),
            [
                {"trigger_name": trigger.name, "job_name": c.job_name, "state": c.state.value}
                for c in trigger.predicate.conditions
            ],
        )


def _missing(name: str) -> NotFound:
    return NotFound(f"trigger {name!r} does not exist", field="name", value=name)
