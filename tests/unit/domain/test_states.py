"""The run state table: its guards, its shape, and its copy in docs/architecture.md."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest

from stoker.domain.states import (
    ACTIVE_STATES,
    AFTER_RESTART,
    INITIAL_STATES,
    RETRYABLE_STATES,
    TERMINAL_STATES,
    TRANSITIONS,
    RunState,
    initial,
    sources,
)
from stoker.errors import InvalidTransition

S = RunState
ARCHITECTURE = Path(__file__).resolve().parents[3] / "docs" / "architecture.md"
PAIRS = list(itertools.product(RunState, RunState))


@pytest.mark.parametrize(("source", "target"), PAIRS, ids=str)
def test_sources_allows_exactly_the_pairs_of_the_table(source: S, target: S) -> None:
    if target in TRANSITIONS[source]:
        assert sources(source, target) == (source,)
    else:
        with pytest.raises(InvalidTransition, match=f"cannot move from {source} to {target}"):
            sources(source, target)


@pytest.mark.parametrize("target", list(RunState))
def test_sources_narrows_what_the_caller_expects_to_what_the_table_allows(target: S) -> None:
    allowed = tuple(s for s in RunState if target in TRANSITIONS[s])
    if allowed:
        assert sources(RunState, target) == allowed
        assert sources(reversed(list(RunState)), target) == allowed  # always the enum order
    else:
        with pytest.raises(InvalidTransition, match="only from no state"):
            sources(RunState, target)


def test_refusal_says_where_the_target_may_be_reached_from() -> None:
    with pytest.raises(InvalidTransition) as caught:
        sources((S.WAITING, S.SUCCEEDED), S.RUNNING)
    assert caught.value.message == (
        "a run cannot move from WAITING or SUCCEEDED to RUNNING: the run state table "
        "allows RUNNING only from STARTING"
    )
    assert (caught.value.field, caught.value.value) == ("state", "RUNNING")


@pytest.mark.parametrize("state", list(RunState))
def test_initial_allows_the_table_row_of_a_new_run(state: S) -> None:
    for ended, allowed in ((False, {S.WAITING, S.STARTING}), (True, {S.FAILED, S.ERROR})):
        if state in allowed:
            assert initial(state, ended=ended) is state
        else:
            with pytest.raises(InvalidTransition, match=f"in {state}: the run state table"):
                initial(state, ended=ended)


def test_guards_read_the_table_when_they_run(monkeypatch: pytest.MonkeyPatch) -> None:
    import stoker.domain.states as states

    monkeypatch.setattr(states, "TRANSITIONS", {**TRANSITIONS, S.WAITING: frozenset()})
    monkeypatch.setattr(states, "INITIAL_STATES", frozenset({S.WAITING}))
    with pytest.raises(InvalidTransition):
        sources(S.WAITING, S.STARTING)
    with pytest.raises(InvalidTransition):
        initial(S.STARTING)
    assert initial(S.WAITING) is S.WAITING


def test_the_table_is_closed_and_every_live_run_can_end() -> None:
    assert set(TRANSITIONS) == set(RunState)
    assert all(not TRANSITIONS[s] for s in TERMINAL_STATES)
    assert all(S.ERROR in TRANSITIONS[s] for s in RunState if s.live)
    assert {s for s in RunState if s.terminal} == TERMINAL_STATES
    assert {s for s in RunState if s.live} > ACTIVE_STATES
    assert RETRYABLE_STATES <= TERMINAL_STATES


def test_recovery_settles_every_active_state_the_way_the_table_allows() -> None:
    assert set(AFTER_RESTART) == ACTIVE_STATES
    for source, target in AFTER_RESTART.items():
        assert target.terminal and target in TRANSITIONS[source], (source, target)


# -- the copy in docs/architecture.md -----------------------------------------------------

BEGIN = (
    "<!-- state-table: generated from stoker/domain/states.py; "
    "tests/unit/domain/test_states.py checks it -->"
)
END = "<!-- state-table: end -->"


def _names(states: object) -> str:
    ordered = [s for s in RunState if s in states]  # type: ignore[operator]
    return ", ".join(s.value for s in ordered)


def render() -> str:
    rows = [
        "| state | may move to | holds a slot | at daemon start |",
        "|---|---|---|---|",
        f"| *(new run)* | {_names(INITIAL_STATES - TERMINAL_STATES)}; recorded already ended: "
        f"{_names(INITIAL_STATES & TERMINAL_STATES)} | | |",
    ]
    for state in RunState:
        targets = _names(TRANSITIONS[state]) or "— (terminal)"
        if state in RETRYABLE_STATES:
            targets += "; retried as a new run while attempts are left"
        slot = "yes" if state in ACTIVE_STATES else "no"
        restart = AFTER_RESTART.get(state)
        at_start = restart.value if restart else ("stays queued" if state.live else "")
        rows.append(f"| {state.value} | {targets} | {slot} | {at_start} |")
    return "\n".join([BEGIN, *rows, END])


def test_docs_architecture_shows_the_table_as_it_is_in_the_code() -> None:
    text = ARCHITECTURE.read_text()
    found = re.search(re.escape(BEGIN) + r".*?" + re.escape(END), text, re.DOTALL)
    assert found is not None, f"docs/architecture.md has no generated state table:\n{render()}"
    assert found.group(0) == render(), (
        f"docs/architecture.md's state table differs from the code; it should read:\n{render()}"
    )
