"""The bookmark store over SQLite and PostgreSQL: versions, compare-and-set commits inside
a run's terminal transition, guarded changes, and a deleted job's bookmark."""

from __future__ import annotations

import pytest

from stoker.domain.bookmarks import BookmarkAction, BookmarkCommit, blocking_run
from stoker.domain.events import EventIdentity
from stoker.domain.runs import new_run
from stoker.domain.states import RunState
from stoker.errors import BookmarkConflict, Conflict, NotFound
from stoker.store.bookmarks import BookmarkStore
from stoker.store.engine import Database
from stoker.store.jobs import JobStore
from stoker.store.outbox import OutboxStore
from stoker.store.runs import RunStore
from tests.integration.store.conftest import Clock, make_job

ENABLED = {"--job-bookmark-option": "job-bookmark-enable"}
STATE = {"src": {"type": "files", "low": 10, "band": {}}}


def running(runs: RunStore, jobs: JobStore, clock: Clock, **arguments: str) -> str:
    job = make_job("etl", default_arguments=ENABLED, max_concurrent_runs=2)
    if "etl" not in {j.name for j in jobs.all_jobs()}:
        jobs.create(job, clock())
    run = runs.create(new_run(job, clock(), arguments=dict(arguments)), job, clock())
    runs.transition(run.id, RunState.STARTING, RunState.RUNNING, clock.tick())
    return run.id


def commit(
    run_id: str, base: int, elements: dict[str, dict[str, object]] = STATE
) -> BookmarkCommit:
    return BookmarkCommit(run_id, 0, None, base, elements)


def test_a_commit_is_part_of_the_runs_success_and_compare_and_set(
    db: Database, jobs: JobStore, runs: RunStore, outbox: OutboxStore, clock: Clock
) -> None:
    store = BookmarkStore(db, EventIdentity())
    first, second = running(runs, jobs, clock), running(runs, jobs, clock)
    runs.transition(first, RunState.RUNNING, RunState.SUCCEEDED, clock.tick(),
                    bookmark=commit(first, 0))  # fmt: skip
    current = store.current("etl", clock())
    assert (current.version, current.run, current.run_id, current.elements) == (1, 1, first, STATE)
    with pytest.raises(BookmarkConflict, match=f"written meanwhile by run {first}"):
        runs.transition(second, RunState.RUNNING, RunState.SUCCEEDED, clock.tick(),
                        bookmark=commit(second, 0))  # fmt: skip
    # The losing transition rolled back whole: the run is still RUNNING, no event written.
    assert runs.get(second).state is RunState.RUNNING
    assert store.current("etl", clock()).version == 1
    types = [e.detail_type for e in outbox.list_events(pending=None, limit=1000, after_seq=None)]
    assert types.count("Job Bookmark Change") == 1


def test_a_failed_run_commits_nothing(db: Database, jobs: JobStore, runs: RunStore,
                                      clock: Clock) -> None:  # fmt: skip
    run_id = running(runs, jobs, clock)
    runs.transition(run_id, RunState.RUNNING, RunState.FAILED, clock.tick(),
                    bookmark=commit(run_id, 0))  # fmt: skip
    assert BookmarkStore(db, EventIdentity()).current("etl", clock()).version == 0


def test_changes_are_guarded_by_live_bookmarked_runs(
    db: Database, jobs: JobStore, runs: RunStore, clock: Clock
) -> None:
    store = BookmarkStore(db, EventIdentity())
    live = running(runs, jobs, clock)

    def decide(current, live_runs):  # type: ignore[no-untyped-def]
        if blocking_run(live_runs):
            raise Conflict("busy")
        return BookmarkAction.RESET, {}

    with pytest.raises(Conflict):
        store.change("etl", decide, clock())
    assert store.current("etl", clock()).version == 0
    runs.transition(live, RunState.RUNNING, RunState.SUCCEEDED, clock.tick(),
                    bookmark=commit(live, 0))  # fmt: skip
    reset = store.change("etl", decide, clock.tick())
    assert (reset.version, reset.action, reset.run, reset.elements) == (
        2, BookmarkAction.RESET, 0, {})  # fmt: skip
    assert store.committed_by("etl", live).version == 1
    assert [v.version for v in store.history("etl", limit=10)] == [2, 1]
    with pytest.raises(NotFound, match="never committed"):
        store.committed_by("etl", "jr_" + "0" * 64)


def test_deleting_a_job_deletes_its_bookmark(
    db: Database, jobs: JobStore, runs: RunStore, clock: Clock
) -> None:
    run_id = running(runs, jobs, clock)
    runs.transition(run_id, RunState.RUNNING, RunState.SUCCEEDED, clock.tick(),
                    bookmark=commit(run_id, 0))  # fmt: skip
    jobs.delete("etl")
    assert BookmarkStore(db, EventIdentity()).current("etl", clock()).version == 0
