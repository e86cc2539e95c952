"""The runs list's filters and keyset pages (store/run_queries.py), on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from stoker.domain.ids import new_run_id
from stoker.domain.jobs import Job
from stoker.domain.runs import JobRun, RunFilter, new_run
from stoker.domain.states import FAILED_OUTCOMES, RunState
from stoker.store.engine import Database
from stoker.store.history import seed_runs
from stoker.store.runs import RunStore

from .conftest import make_job

S = RunState
T0 = datetime(2026, 11, 1, tzinfo=UTC)
STATES = [S.SUCCEEDED, S.FAILED, S.ERROR, S.TIMEOUT, S.STOPPED, S.RUNNING]


def history(count: int) -> list[tuple[JobRun, Job]]:
    """Run i: job a or b, state STATES[i % 6], trigger nightly every third, an hour apart."""
    jobs = {name: make_job(name) for name in ("a", "b")}
    out = []
    for i in range(count):
        job = jobs["a" if i % 2 else "b"]
        run = new_run(job, T0 + timedelta(hours=i), arguments={})
        run = replace(run, id=new_run_id(), state=STATES[i % len(STATES)],
                      triggered_by="nightly" if i % 3 == 0 else "manual")  # fmt: skip
        out.append((run, job))
    return out


@pytest.fixture
def seeded(db: Database) -> list[JobRun]:
    rows = history(60)
    assert seed_runs(db, rows, batch=25) == 60
    return [run for run, _ in rows]


def ids(runs: list[JobRun]) -> list[str]:
    return [r.id for r in runs]


def expect(seeded: list[JobRun], keep: object) -> list[str]:
    return [r.id for r in reversed(seeded) if keep(r)]  # type: ignore[operator]


def every_page(runs: RunStore, where: RunFilter, size: int) -> list[str]:
    found: list[str] = []
    before = None
    while True:
        page = runs.list_runs(where, limit=size, before_seq=before)
        found += ids(page)
        if len(page) < size:
            return found
        before = page[-1].seq


def test_several_states_are_merged_newest_first(runs: RunStore, seeded: list[JobRun]) -> None:
    where = RunFilter(states=FAILED_OUTCOMES)
    assert every_page(runs, where, 7) == expect(seeded, lambda r: r.state in FAILED_OUTCOMES)
    assert len(every_page(runs, where, 7)) == 30


def test_filters_combine(runs: RunStore, seeded: list[JobRun]) -> None:
    after, before = T0 + timedelta(hours=10), T0 + timedelta(hours=40)
    where = RunFilter(
        job_name="a", states=frozenset({S.FAILED, S.TIMEOUT}), triggered_by="nightly",
        started_after=after, started_before=before,
    )  # fmt: skip
    assert every_page(runs, where, 2) == expect(seeded, lambda r: (
        r.job_name == "a" and r.state in (S.FAILED, S.TIMEOUT) and r.triggered_by == "nightly"
        and after <= r.started_on < before
    ))  # fmt: skip
    assert every_page(runs, where, 2)  # the seeding has such runs


def test_single_filters(runs: RunStore, seeded: list[JobRun]) -> None:
    early, late = T0 + timedelta(hours=5), T0 + timedelta(hours=55)
    for where, keep in [
        (RunFilter(), lambda r: True),
        (RunFilter(job_name="b"), lambda r: r.job_name == "b"),
        (RunFilter(triggered_by="manual"), lambda r: r.triggered_by == "manual"),
        (RunFilter(states=frozenset({S.RUNNING})), lambda r: r.state is S.RUNNING),
        (RunFilter(started_before=early), lambda r: r.started_on < early),
        (RunFilter(started_after=late), lambda r: r.started_on >= late),
    ]:  # fmt: skip
        assert every_page(runs, where, 9) == expect(seeded, keep), where


def test_a_time_range_without_runs_is_empty(runs: RunStore, seeded: list[JobRun]) -> None:
    assert runs.list_runs(RunFilter(started_before=T0)) == []
    assert runs.list_runs(RunFilter(started_after=T0 + timedelta(hours=60))) == []
    one = RunFilter(started_after=T0 + timedelta(hours=7), started_before=T0 + timedelta(hours=8))
    assert ids(runs.list_runs(one)) == [seeded[7].id]


def test_a_run_numbered_a_little_out_of_start_order_is_in_its_range(
    db: Database, runs: RunStore
) -> None:
    """Start times are taken just before the insert numbers a run: seq may lag by seconds."""
    job = make_job("a")
    late, early = (replace(new_run(job, T0 + timedelta(seconds=s), arguments={}),
                           id=new_run_id(), state=S.SUCCEEDED) for s in (30, 10))  # fmt: skip
    seed_runs(db, [(late, job), (early, job)])
    assert ids(runs.list_runs(RunFilter(started_before=T0 + timedelta(seconds=20)))) == [early.id]
    assert ids(runs.list_runs(RunFilter(started_after=T0 + timedelta(seconds=20)))) == [late.id]
