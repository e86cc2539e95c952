"""Bookmark options (Glue's rules) and the file source's selection: exactly once."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stoker.domain.bookmark_files import FileEntry, FilesState, Limits, select, select_window
from stoker.domain.bookmarks import (
    DEFAULTS,
    BookmarkOption,
    blocking_run,
    bookmark_request,
    check_elements,
    set_now_elements,
)
from stoker.errors import InvalidInput

RUN_A = "jr_" + "a" * 64
RUN_B = "jr_" + "b" * 64


@pytest.mark.parametrize(
    ("arguments", "field", "says"),
    [
        ({"--job-bookmark-option": "job-bookmark-on"}, "arguments.--job-bookmark-option",
         "allowed: job-bookmark-enable, job-bookmark-disable, job-bookmark-pause"),
        ({"--job-bookmark-option": "job-bookmark-pause", "--job-bookmark-from": RUN_A},
         "arguments.--job-bookmark-to", "needs both run ids or neither"),
        ({"--job-bookmark-option": "job-bookmark-pause", "--job-bookmark-to": RUN_A},
         "arguments.--job-bookmark-from", "needs both run ids or neither"),
        ({"--job-bookmark-option": "job-bookmark-enable", "--job-bookmark-from": RUN_A,
          "--job-bookmark-to": RUN_B}, "arguments.--job-bookmark-from",
         "applies only with --job-bookmark-option job-bookmark-pause"),
        ({"--job-bookmark-option": "job-bookmark-pause", "--job-bookmark-from": "jr_1",
          "--job-bookmark-to": RUN_B}, "arguments.--job-bookmark-from", "is not a job run id"),
    ],
)  # fmt: skip
def test_bad_requests_are_refused_with_the_rule(
    arguments: dict[str, str], field: str, says: str
) -> None:
    with pytest.raises(InvalidInput, match=says) as caught:
        bookmark_request(arguments)
    assert caught.value.field == field


def test_requests() -> None:
    assert bookmark_request({}).option is BookmarkOption.DISABLE
    window = {"--job-bookmark-from": RUN_A, "--job-bookmark-to": RUN_B}
    paused = bookmark_request({"--job-bookmark-option": "job-bookmark-pause", **window})
    assert (paused.from_run, paused.to_run, paused.reads_state, paused.writes_state) == (
        RUN_A, RUN_B, True, False)  # fmt: skip


def test_elements_are_checked() -> None:
    assert check_elements({"src": {"type": "files"}, DEFAULTS: {"type": "defaults"}})
    for bad in ({"src": {"type": "kafka"}}, {"bad name!": {"type": "files"}}, [], {"*": {}}):
        with pytest.raises(InvalidInput):
            check_elements(bad)


def test_set_now_marks_files_and_jdbc_and_new_sources() -> None:
    written = set_now_elements(
        {"f": {"type": "files", "low": 1, "band": {"/x": 5}, "path": "/in"},
         "j": {"type": "jdbc", "last": None}}, now_ms=1000,
    )  # fmt: skip
    assert written["f"] == {"type": "files", "low": 1000, "band": {}, "path": "/in"}
    assert written["j"]["skip_existing"] is True
    assert written[DEFAULTS] == {"type": "defaults", "files_low": 1000, "jdbc_skip_existing": True}


def test_a_live_run_with_bookmarks_enabled_blocks_changes() -> None:
    assert blocking_run([(RUN_A, {"--job-bookmark-option": "job-bookmark-pause"})]) is None
    assert blocking_run([(RUN_B, {"--job-bookmark-option": "job-bookmark-enable"})]) == RUN_B


def test_band_caps_and_bounded_files() -> None:
    listing = [FileEntry(m, f"/f{m}") for m in (100, 200, 950, 990, 999, 1500)]
    first = select(FilesState(), listing, start_ms=1000, limits=Limits(band_ms=100))
    assert [e.mtime_ms for e in first.taken] == [100, 200, 950, 990, 999]
    assert first.deferred == 1  # 1500 landed during the run
    assert first.state.low == 900 and set(first.state.band) == {"/f950", "/f990", "/f999"}
    bounded = select(FilesState(), listing, 1000, Limits(band_ms=100, bounded_files=2))
    assert [e.mtime_ms for e in bounded.taken] == [100, 200]
    # Everything below the band is taken, so low moves to the band; 950.. wait their turn.
    assert bounded.state.low == 900 and bounded.state.band == {}
    one = select(FilesState(), listing, 1000, Limits(band_ms=100, bounded_files=1))
    assert one.state.low == 199  # just below the first file left for the next run
    capped = select(FilesState(), listing, 1000, Limits(band_ms=100, max_files_in_band=1))
    assert [e.mtime_ms for e in capped.taken] == [100, 200, 950]
    again = select(capped.state, listing, 1001, Limits(band_ms=100))
    assert [e.mtime_ms for e in again.taken] == [990, 999]


def test_a_paused_window_takes_what_lies_between_two_states() -> None:
    listing = [FileEntry(m, f"/f{m}") for m in (1, 2, 3)]
    after, upto = FilesState(low=1), FilesState(low=2, band={"/f3": 3})
    window = select_window(after, upto, listing)
    assert [e.path for e in window.taken] == ["/f2", "/f3"] and window.state == after


@st.composite
def arrivals(draw: st.DrawFn) -> list[tuple[int, int, int]]:
    """(mtime, visible from, name) of files; a file becomes visible in a listing up to
    ``lag`` after its mtime (listing lag, clock skew), never more than the band."""
    count = draw(st.integers(1, 30))
    return [
        (mtime, mtime + draw(st.integers(0, 50)), i)
        for i, mtime in enumerate(draw(st.lists(st.integers(0, 1000), min_size=count,
                                                max_size=count)))
    ]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    files=arrivals(),
    starts=st.lists(st.integers(0, 1300), min_size=1, max_size=12).map(sorted),
    bounded=st.one_of(st.none(), st.integers(1, 5)),
)
def test_every_file_is_taken_exactly_once_across_runs(
    files: list[tuple[int, int, int]], starts: list[int], bounded: int | None
) -> None:
    limits = Limits(band_ms=60, max_files_in_band=1000, bounded_files=bounded)
    state, taken = FilesState(), []
    for start in [*starts, 5000, 5100, 5200, *range(5300, 5300 + 10 * 30, 10)]:
        listing = [FileEntry(m, f"/f{i}") for m, seen, i in files if seen <= start]
        chosen = select(state, listing, start, limits)
        taken += [e.path for e in chosen.taken]
        state = chosen.state
    assert sorted(taken) == sorted(f"/f{i}" for _, _, i in files)
