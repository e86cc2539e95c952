"""Job bookmarks (Glue's model): options, versions, and the state of each source.

A job has one bookmark: a list of versions, each the state of every source the script
read with a ``transformation_ctx`` (an *element*), written when a run committed and ended
SUCCEEDED, or when a person reset, rewound or set it. The newest version is the current
state. The elements are plain JSON, the same for stoker's script API and Glue's
``Job.init`` / ``job.commit()``: ``{"type": "files", ...}`` or ``{"type": "jdbc", ...}``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from stoker.domain.ids import is_run_id
from stoker.errors import InvalidInput

OPTION_ARG = "--job-bookmark-option"
FROM_ARG = "--job-bookmark-from"
TO_ARG = "--job-bookmark-to"
#: The argument that tells a run's script where its bookmark context is (stoker's own).
CONTEXT_ARG = "--stoker-bookmark-context"

#: A committed element set larger than this is refused (the run fails with the reason).
MAX_STATE_BYTES = 1024 * 1024
MAX_ELEMENTS = 100
#: The element that holds what a source the bookmark does not know yet starts from
#: (written by `set --now`); not a transformation_ctx (those are names, see CTX).
DEFAULTS = "*"
CTX = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]{0,254}")


class BookmarkOption(StrEnum):
    """Glue's ``--job-bookmark-option`` values."""

    ENABLE = "job-bookmark-enable"
    DISABLE = "job-bookmark-disable"
    PAUSE = "job-bookmark-pause"


class BookmarkAction(StrEnum):
    """What wrote a version."""

    COMMIT = "commit"
    RESET = "reset"
    REWIND = "rewind"
    SET = "set"


@dataclass(frozen=True)
class BookmarkRequest:
    """What a run asks of its job's bookmark."""

    option: BookmarkOption = BookmarkOption.DISABLE
    from_run: str | None = None
    to_run: str | None = None

    @property
    def reads_state(self) -> bool:
        return self.option is not BookmarkOption.DISABLE

    @property
    def writes_state(self) -> bool:
        return self.option is BookmarkOption.ENABLE


def bookmark_option(arguments: Mapping[str, str]) -> BookmarkOption:
    """The option an argument map sets (a job's default arguments: Glue's default is
    disable); InvalidInput if it is not one of Glue's three values."""
    value = arguments.get(OPTION_ARG, BookmarkOption.DISABLE.value)
    try:
        return BookmarkOption(value)
    except ValueError:
        allowed = ", ".join(o.value for o in BookmarkOption)
        raise InvalidInput(
            f"{OPTION_ARG} {value!r} is not a bookmark option; allowed: {allowed}",
            field=f"arguments.{OPTION_ARG}",
            value=value,
        ) from None


def bookmark_request(resolved: Mapping[str, str]) -> BookmarkRequest:
    """The request in a run's resolved arguments, by Glue's rules: from/to go with pause
    only, both or neither; each is a run id."""
    option = bookmark_option(resolved)
    window = {name: resolved.get(name) for name in (FROM_ARG, TO_ARG)}
    given = [name for name, value in window.items() if value is not None]
    if given and option is not BookmarkOption.PAUSE:
        raise InvalidInput(
            f"{given[0]} applies only with {OPTION_ARG} {BookmarkOption.PAUSE.value} "
            f"(this run's option is {option.value})",
            field=f"arguments.{given[0]}",
        )
    if len(given) == 1:
        missing = TO_ARG if given[0] == FROM_ARG else FROM_ARG
        raise InvalidInput(
            f"{given[0]} is given without {missing}: a paused bookmark's window needs both "
            "run ids or neither",
            field=f"arguments.{missing}",
        )
    for name, value in window.items():
        if value is not None and not is_run_id(value):
            raise InvalidInput(
                f"{name} {value!r} is not a job run id (expected 'jr_' and 64 hex characters)",
                field=f"arguments.{name}",
                value=value,
            )
    return BookmarkRequest(option, window[FROM_ARG], window[TO_ARG])


@dataclass(frozen=True)
class BookmarkVersion:
    """One version of a job's bookmark: Glue's ``JobBookmarkEntry`` and what wrote it.

    ``run`` counts the runs that committed; ``attempt`` is the committing run's attempt.
    A reset has no elements; its ``run_id`` is None.
    """

    job_name: str
    version: int
    run: int
    attempt: int
    run_id: str | None
    previous_run_id: str | None
    action: BookmarkAction
    #: None for version 0, the state before anything was written.
    created_on: datetime | None
    elements: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class BookmarkCommit:
    """What a run hands over when it ends: the elements its script committed, and the
    version it read them from (the commit is compare-and-set on that version)."""

    run_id: str
    attempt: int
    previous_run_id: str | None
    base_version: int
    elements: dict[str, dict[str, Any]]


def check_ctx(name: Any, field: str = "transformation_ctx") -> str:
    """A source's transformation_ctx: 1-255 letters, digits, '_', '.', '-'."""
    if not isinstance(name, str) or not CTX.fullmatch(name):
        raise InvalidInput(
            f"transformation_ctx {name!r} is invalid: 1-255 letters, digits, '_', '.', '-', "
            "not starting with '.' or '-'",
            field=field,
            value=name,
        )
    return name


def check_elements(elements: Any, where: str = "elements") -> dict[str, dict[str, Any]]:
    """A committed element set as data: a map of transformation_ctx to JSON objects."""
    if not isinstance(elements, dict):
        raise InvalidInput(f"{where} must be a map of transformation_ctx to state", field=where)
    if len(elements) > MAX_ELEMENTS:
        raise InvalidInput(
            f"{where} has {len(elements)} sources; at most {MAX_ELEMENTS} per job", field=where
        )
    for name, element in elements.items():
        kinds = ("defaults",) if name == DEFAULTS else ("files", "jdbc")
        if name != DEFAULTS:
            check_ctx(name, f"{where}.{name}")
        if not isinstance(element, dict) or element.get("type") not in kinds:
            raise InvalidInput(
                f"{where}.{name} must be a {' or '.join(kinds)} source state",
                field=f"{where}.{name}",
            )
    return elements


def set_now_elements(elements: Mapping[str, dict[str, Any]], now_ms: int) -> dict[str, Any]:
    """What `stoker bookmarks set --now` writes: every file source processed up to now, every
    JDBC source set to treat what its next read finds as processed, and the same for the
    sources the bookmark does not know yet."""
    written: dict[str, Any] = {}
    for name, element in elements.items():
        if name == DEFAULTS:
            continue
        if element.get("type") == "files":
            written[name] = {**element, "low": now_ms, "band": {}}
        else:
            written[name] = {**element, "skip_existing": True}
    written[DEFAULTS] = {"type": "defaults", "files_low": now_ms, "jdbc_skip_existing": True}
    return written


def blocking_run(live: Sequence[tuple[str, Mapping[str, str]]]) -> str | None:
    """Among a job's live runs (id, resolved arguments), one with bookmarks enabled: while
    it runs, a person's change of the bookmark would race its commit."""
    for run_id, arguments in live:
        try:
            option = bookmark_option(arguments)
        except InvalidInput:
            continue
        if option is BookmarkOption.ENABLE:
            return run_id
    return None
