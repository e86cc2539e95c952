"""Reading runs for lists and the console: filtered pages newest first, and counts by day.

Every page is a keyset page on ``seq`` (newest first) read through an index that starts
with the filtered columns and ends with ``seq``, so a page costs its own rows whatever the
table holds: nothing counts or sorts the whole table. Several states are read as one
index range each (a page of each, merged by seq), because no index serves
``state IN (…) ORDER BY seq`` as one ordered range.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select, union_all

from stoker.domain.runs import RunFilter
from stoker.store.tables import job_runs


def page_query(where: RunFilter, limit: int, before_seq: int | None) -> Select[Any]:
    """The newest ``limit`` runs matching ``where`` with seq < ``before_seq``."""
    conditions: list[Any] = []
    if where.job_name is not None:
        conditions.append(job_runs.c.job_name == where.job_name)
    if where.triggered_by is not None:
        conditions.append(job_runs.c.triggered_by == where.triggered_by)
    if where.started_after is not None:
        conditions.append(job_runs.c.started_on >= where.started_after)
    if where.started_before is not None:
        conditions.append(job_runs.c.started_on < where.started_before)
    if before_seq is not None:
        conditions.append(job_runs.c.seq < before_seq)
    states = sorted(where.states)
    if len(states) <= 1:
        if states:
            conditions.append(job_runs.c.state == states[0].value)
        return select(job_runs).where(*conditions).order_by(job_runs.c.seq.desc()).limit(limit)
    parts = [
        select(job_runs.c.seq)
        .where(*conditions, job_runs.c.state == state.value)
        .order_by(job_runs.c.seq.desc())
        .limit(limit)
        .subquery()
        for state in states
    ]
    seqs = union_all(*(select(part.c.seq) for part in parts)).subquery()
    newest = select(seqs.c.seq).order_by(seqs.c.seq.desc()).limit(limit).subquery()
    return (
        select(job_runs)
        .join(newest, job_runs.c.seq == newest.c.seq)
        .order_by(job_runs.c.seq.desc())
    )
