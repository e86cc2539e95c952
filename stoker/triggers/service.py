"""The trigger service: Glue's trigger operations, cycle checks, and scheduled fires."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from stoker.aio import Blocking
from stoker.domain.runs import JobRun
from stoker.domain.triggers import (
    CatchUp,
    Trigger,
    TriggerState,
    TriggerType,
    find_cycle,
    validate_trigger,
)
from stoker.errors import InvalidInput, StokerError
from stoker.runs.service import RunService
from stoker.store.firing import Firing, TriggerObserver
from stoker.store.triggers import TriggerStore
from stoker.tasks import Spawner
from stoker.triggers.cron.expressions import parse_schedule, schedule_error, validate_schedule
from stoker.triggers.scheduled import Scheduler

log = logging.getLogger(__name__)
#: Scheduled fires written per transaction when many are due at once.
FIRE_BATCH = 500
_ACTIVATABLE = (TriggerType.SCHEDULED, TriggerType.CONDITIONAL, TriggerType.EVENT)


def check_definition(trigger: Trigger, others: list[Trigger]) -> Trigger:
    """Every rule a definition must pass: shape, schedule syntax, no cycle."""
    validate_trigger(trigger)
    if trigger.schedule is not None:
        validate_schedule(trigger.schedule, trigger.timezone)
    if trigger.type is not TriggerType.CONDITIONAL:
        return trigger  # only conditional triggers add edges to the job graph
    cycle = find_cycle([*(t for t in others if t.name != trigger.name), trigger])
    if cycle is not None:
        raise InvalidInput(
            f"trigger {trigger.name!r} would start a job from its own completion: "
            f"{' → '.join(cycle)}; set allow_cycles = true if that loop is intended",
            field="predicate",
            value=cycle,
        )
    return trigger


def _loadable(trigger: Trigger) -> Trigger:
    if trigger.load_error is not None:
        raise InvalidInput(
            f"trigger {trigger.name!r} cannot be loaded: {trigger.load_error}; replace its "
            "definition (stoker triggers update, or stoker apply) or delete it",
            field="name",
            value=trigger.name,
        )
    return trigger


class TriggerService:
    def __init__(
        self,
        *,
        store: TriggerStore,
        firing: Firing,
        runs: RunService,
        io: Blocking,
        clock: Callable[[], datetime],
        observer: TriggerObserver | None = None,
        tasks: Spawner | None = None,
    ) -> None:
        self._store = store
        #: Fires and missed fires are reported here (metrics); the Firing's by default.
        self._observer = observer if observer is not None else firing.observer
        self._firing = firing
        self._runs = runs
        self._io = io
        self._clock = clock
        self.scheduler = Scheduler(self._on_schedule, tasks)
        self._due: list[tuple[str, str, datetime]] = []
        #: Each scheduled trigger's (schedule, timezone) as ``refresh`` last saw it stored.
        self._seen: dict[str, tuple[str | None, str]] = {}
        self._flushing: asyncio.Future[None] | None = None

    # -- lifecycle ------------------------------------------------------------------------

    async def start(self) -> None:
        """Load every trigger, settle fires missed while the daemon was down, schedule.

        A trigger whose definition cannot be loaded is left out (Definitions.check_stored
        logs and counts it; the API shows its ``load_error``): the daemon starts anyway.
        """
        triggers = [self.present(t) for t in await self._io(self._store.all_triggers)]
        loaded = [t for t in triggers if t.load_error is None]
        for trigger in loaded:
            await self._catch_up(trigger)
        self.scheduler.start(loaded)
        scheduled = [t for t in loaded if t.type is TriggerType.SCHEDULED]
        self._seen = {t.name: (t.schedule, t.timezone) for t in scheduled
                      if t.state is TriggerState.ACTIVATED}  # fmt: skip

    async def stop(self) -> None:
        await self.scheduler.shutdown()

    async def refresh(self) -> int:
        """Schedule what other cluster members changed: ACTIVATED scheduled triggers stored
        since the last look are (re)scheduled, those gone or deactivated unscheduled. Only
        the lease holder schedules, so triggers created through another member's API reach
        it here (each member's own changes are scheduled at once). How many changed."""
        stored = {t.name: t for t in await self._io(self._store.active_of_type,
                                                    TriggerType.SCHEDULED)}  # fmt: skip
        changed = 0
        for name in [n for n in self._seen if n not in stored]:
            self.scheduler.remove(name)
            del self._seen[name]
            changed += 1
        for name, trigger in stored.items():
            key = (trigger.schedule, trigger.timezone)
            if self._seen.get(name) == key:
                continue
            self._seen[name] = key
            loaded = self.present(trigger)
            if loaded.load_error is None:
                self.scheduler.sync(loaded)
                changed += 1
        return changed

    # -- Glue's operations ----------------------------------------------------------------

    async def create_trigger(self, trigger: Trigger, *, start_on_creation: bool = False) -> Trigger:
        if start_on_creation and trigger.type is TriggerType.ON_DEMAND:
            raise InvalidInput(
                "start_on_creation applies to SCHEDULED, CONDITIONAL and EVENT triggers; "
                "an ON_DEMAND trigger fires only when started",
                field="start_on_creation",
            )
        check_definition(trigger, await self._others(trigger))
        state = TriggerState.ACTIVATED if start_on_creation else TriggerState.CREATED
        created = await self._io(self._store.create, replace(trigger, state=state), self._clock())
        self.scheduler.sync(created)
        log.info("trigger created", extra={"action": "trigger.created", "trigger": created.name,
                                           "type": created.type.value})  # fmt: skip
        return self._with_next(created)

    async def update_trigger(self, trigger: Trigger) -> Trigger:
        current = await self._io(self._store.get, trigger.name)
        if current.type is not trigger.type:
            raise InvalidInput(
                f"trigger {trigger.name!r} is {current.type.value}; a trigger's type cannot "
                "change (delete it and create a new one)",
                field="type",
            )
        trigger = replace(trigger, tags=current.tags)  # tags change only through set_tags
        check_definition(trigger, await self._others(trigger))
        updated = await self._io(self._store.replace, trigger, self._clock())
        self.scheduler.sync(updated)
        return self._with_next(updated)

    async def set_tags(self, name: str, tags: dict[str, str]) -> Trigger:
        """Replace the trigger's tags (Glue TagResource/UntagResource); nothing else changes."""
        current = await self._io(self._store.get, name)
        tagged = validate_trigger(replace(current, tags=dict(tags)))
        return self._with_next(await self._io(self._store.replace, tagged, self._clock()))

    async def get_trigger(self, name: str) -> Trigger:
        return self._with_next(await self._io(self._store.get, name))

    def present(self, trigger: Trigger) -> Trigger:
        """``trigger`` with ``load_error`` set when its stored schedule cannot be used."""
        if trigger.load_error is not None or trigger.schedule is None:
            return trigger
        error = schedule_error(trigger.schedule, trigger.timezone)
        return trigger if error is None else replace(trigger, load_error=error)

    async def list_triggers(
        self, *, limit: int, after: str | None, job_name: str | None = None
    ) -> list[Trigger]:
        found = await self._io(
            self._store.list_triggers, limit=limit, after=after, job_name=job_name
        )
        return [self._with_next(t) for t in found]

    async def delete_trigger(self, name: str) -> None:
        await self._io(self._store.delete, name)
        self.scheduler.remove(name)

    async def start_trigger(self, name: str) -> list[JobRun]:
        trigger = _loadable(self.present(await self._io(self._store.get, name)))
        if trigger.type is not TriggerType.ON_DEMAND:
            await self.activate_trigger(name)
            return []
        runs = await self._io(self._firing.fire, name, f"start:{uuid.uuid4()}")
        if runs is not None:
            self._observer.fired(name, TriggerType.ON_DEMAND, None)
        await self._runs.adopt(runs or [])
        log.info("trigger started", extra={"action": "trigger.fired", "trigger": name,
                                           "runs": len(runs or [])})  # fmt: skip
        return runs or []

    async def activate_trigger(self, name: str) -> Trigger:
        return await self._set_state(name, TriggerState.ACTIVATED)

    async def deactivate_trigger(self, name: str) -> Trigger:
        return await self._set_state(name, TriggerState.DEACTIVATED)

    # -- internals ------------------------------------------------------------------------

    async def _set_state(self, name: str, state: TriggerState) -> Trigger:
        """Everything that can refuse is decided before the write; should scheduling still
        fail after it, the previous state is written back, so a refused request changes
        nothing."""
        trigger = self.present(await self._io(self._store.get, name))
        if trigger.type not in _ACTIVATABLE:
            raise InvalidInput(
                f"trigger {name!r} is ON_DEMAND: it is never activated or deactivated, "
                "it fires each time it is started",
                field="type",
            )
        if state is TriggerState.ACTIVATED:
            _loadable(trigger)
            if trigger.schedule is not None:
                validate_schedule(trigger.schedule, trigger.timezone, self._clock())
        changed = await self._io(self._store.set_state, name, state, self._clock())
        try:
            self.scheduler.sync(changed)
        except Exception:
            await self._io(self._store.set_state, name, trigger.state, self._clock())
            self.scheduler.sync(trigger)
            raise
        log.info("trigger state changed", extra={"action": "trigger.state", "trigger": name,
                                                 "state": state.value})  # fmt: skip
        return self._with_next(changed)

    async def _others(self, trigger: Trigger) -> list[Trigger]:
        """What a cycle check needs: every trigger, but only for conditional ones."""
        if trigger.type is not TriggerType.CONDITIONAL:
            return []
        return await self._io(self._store.all_triggers)

    def _with_next(self, trigger: Trigger) -> Trigger:
        trigger = self.present(trigger)
        return replace(trigger, next_fire_time=self.scheduler.next_fire_time(trigger.name))

    async def _on_schedule(self, name: str, run_times: list[datetime]) -> None:
        """APScheduler says ``name`` is due; the scheduled time is the fire's unique key.

        Fires due together (APScheduler hands them over in one pass) are collected and
        written in one transaction per batch.
        """
        if len(run_times) > 1:
            await self._io(self._store.add_missed, name, len(run_times) - 1)
            self._observer.missed(name, len(run_times) - 1)
        due = run_times[-1]
        self._due.append((name, f"at:{due.isoformat()}", due))
        if self._flushing is None:
            self._flushing = asyncio.get_running_loop().create_future()
            try:
                await asyncio.sleep(0)  # let the rest of this pass join the batch
                await self._flush()
            finally:
                self._flushing.set_result(None)
                self._flushing = None
        else:
            await asyncio.shield(self._flushing)

    async def _flush(self) -> None:
        while self._due:
            batch, self._due = self._due[:FIRE_BATCH], self._due[FIRE_BATCH:]
            try:
                fired = await self._io(self._firing.fire_many, batch)
            except StokerError as exc:
                log.error("scheduled fires failed: %s", exc.message,
                          extra={"action": "trigger.fire_failed", "count": len(batch)})  # fmt: skip
                continue
            scheduled = {name: due for name, _key, due in batch}
            for name, runs in fired:
                if runs is not None:
                    # The runs' creation time is the fire's recorded time (Firing.fire_in).
                    recorded = runs[0].started_on if runs else self._clock()
                    lag = max(0.0, (recorded - scheduled[name]).total_seconds())
                    self._observer.fired(name, TriggerType.SCHEDULED, lag)
                await self._runs.adopt(runs or [])

    async def _catch_up(self, trigger: Trigger) -> None:
        if trigger.type is not TriggerType.SCHEDULED or trigger.state is not TriggerState.ACTIVATED:
            return
        assert trigger.schedule is not None
        since = trigger.last_fire_time or trigger.last_modified_on or self._clock()
        now = self._clock()
        missed = parse_schedule(trigger.schedule, trigger.timezone).fires_between(since, now)
        if not missed:
            return
        log.warning("trigger missed fires while the daemon was down",
                    extra={"action": "trigger.missed", "trigger": trigger.name,
                           "missed": missed, "catch_up": trigger.catch_up.value})  # fmt: skip
        await self._io(self._store.add_missed, trigger.name, missed)
        self._observer.missed(trigger.name, missed)
        if trigger.catch_up is CatchUp.ONCE:
            runs = await self._io(self._firing.fire, trigger.name, f"catch-up:{now.isoformat()}")
            if runs is not None:
                # One fire standing for the missed ones: no single schedule time to lag.
                self._observer.fired(trigger.name, TriggerType.SCHEDULED, None)
            await self._runs.adopt(runs or [])
