"""Session rows over SQLite and PostgreSQL: insert, guarded moves, pages, delete, and the
settling of sessions an earlier daemon left open."""

from __future__ import annotations

import pytest

from stoker.domain.sessions import Session, SessionSpec, SessionState
from stoker.errors import Conflict, NotFound
from stoker.store.engine import Database
from stoker.store.sessions import SessionStore
from tests.integration.store.conftest import Clock


def session(session_id: str, state: SessionState, clock: Clock) -> Session:
    spec = SessionSpec(id=session_id, default_arguments={"--day": "mon"}, job_name="etl",
                       idle_timeout=5, tags={"t": "1"})  # fmt: skip
    return Session(spec, state, clock())


def test_a_session_round_trips_and_moves_only_from_the_expected_state(
    db: Database, clock: Clock
) -> None:
    store = SessionStore(db)
    created = session("dev", SessionState.PROVISIONING, clock)
    store.insert(created)
    assert store.get("dev") == created
    with pytest.raises(Conflict):
        store.insert(created)
    ready = Session(created.spec, SessionState.READY, created.created_on)
    assert store.move(ready, [SessionState.PROVISIONING])
    # A second move from PROVISIONING finds it READY: nothing is written.
    failed = created.ended(SessionState.FAILED, clock.tick(), "lost")
    assert not store.move(failed, [SessionState.PROVISIONING])
    assert store.get("dev").state is SessionState.READY
    stopped = ready.ended(SessionState.STOPPED, clock.tick())
    assert store.move(stopped, [SessionState.READY])
    assert store.get("dev") == stopped
    store.delete("dev")
    with pytest.raises(NotFound):
        store.get("dev")
    with pytest.raises(NotFound):
        store.delete("dev")


def test_sessions_page_by_id_and_open_ones_are_settled_after_a_restart(
    db: Database, clock: Clock
) -> None:
    store = SessionStore(db)
    states = {"a": SessionState.READY, "b": SessionState.STOPPING,
              "c": SessionState.PROVISIONING, "d": SessionState.TIMEOUT}  # fmt: skip
    for name, state in states.items():
        store.insert(session(name, state, clock))
    assert [s.id for s in store.list_sessions(2, None)] == ["a", "b"]
    assert [s.id for s in store.list_sessions(2, "b")] == ["c", "d"]
    assert store.settle_after_restart(clock.tick(), "the daemon stopped") == 3
    after = {s.id: s for s in store.list_sessions(10, None)}
    assert {k: s.state for k, s in after.items()} == {
        "a": SessionState.FAILED, "b": SessionState.STOPPED,
        "c": SessionState.FAILED, "d": SessionState.TIMEOUT,
    }  # fmt: skip
    assert after["a"].error_message == "the daemon stopped" and after["b"].error_message is None
    assert after["a"].completed_on == clock.now and after["d"].completed_on is None
