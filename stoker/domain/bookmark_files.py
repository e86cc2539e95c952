"""A file source's bookmark: which files are processed, and which a run takes next.

The state is a low-water mark and a band: every file whose modification time is at or
below ``low`` is processed, and so is each (path, mtime) pair listed in ``band`` (all
above ``low``). A run that starts at ``start`` takes the files modified at or before
``start`` that are not processed, oldest first; files modified after ``start`` landed
while it ran and belong to the next run. Its new ``low`` is ``start - band_ms`` (Glue's
``maxBand``, 15 minutes by default): files modified within the band are kept by name, so
a file that appears late in a listing, or whose clock was a little behind, is still taken
exactly once. The band only ever holds files above ``low``, so the state stays small
however many files a job has processed. A file whose mtime changes is a new file.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from stoker.errors import InvalidInput

#: Glue's defaults: maxBand 900,000 ms; maxFilesInBand 1,000.
DEFAULT_BAND_MS = 900_000
DEFAULT_MAX_FILES_IN_BAND = 1000


@dataclass(frozen=True, order=True)
class FileEntry:
    """A listed file (ordered oldest first, then by path)."""

    mtime_ms: int
    path: str


@dataclass(frozen=True)
class FilesState:
    """Processed: mtime <= low, or (path, mtime) in band. ``low`` None: nothing yet."""

    low: int | None = None
    band: dict[str, int] = field(default_factory=dict)

    def covers(self, entry: FileEntry) -> bool:
        if self.low is not None and entry.mtime_ms <= self.low:
            return True
        return self.band.get(entry.path) == entry.mtime_ms

    def to_element(self, **about: Any) -> dict[str, Any]:
        return {"type": "files", "low": self.low, "band": dict(self.band), **about}

    @classmethod
    def from_element(cls, element: dict[str, Any] | None) -> FilesState:
        if element is None:
            return cls()
        low, band = element.get("low"), element.get("band", {})
        if element.get("type") != "files" or not (low is None or _is_int(low)):
            raise InvalidInput("the bookmark element is not a files source state")
        if not isinstance(band, dict) or not all(
            isinstance(p, str) and _is_int(m) for p, m in band.items()
        ):
            raise InvalidInput("the bookmark element's band is not a map of path to mtime")
        return cls(low, dict(band))


@dataclass(frozen=True)
class Selection:
    """What one run takes from a listing, and the state once it has committed."""

    taken: list[FileEntry]
    #: Processed by earlier runs.
    skipped: int
    #: Not processed and not taken: over a per-run or band cap, or landed during the run.
    deferred: int
    state: FilesState


@dataclass(frozen=True)
class Limits:
    """Glue's options for a file source: maxBand, maxFilesInBand, boundedFiles."""

    band_ms: int = DEFAULT_BAND_MS
    max_files_in_band: int = DEFAULT_MAX_FILES_IN_BAND
    bounded_files: int | None = None

    def __post_init__(self) -> None:
        _at_least("maxBand", self.band_ms, 0)
        _at_least("maxFilesInBand", self.max_files_in_band, 1)
        if self.bounded_files is not None:
            _at_least("boundedFiles", self.bounded_files, 1)


def select(
    state: FilesState, listing: Iterable[FileEntry], start_ms: int, limits: Limits
) -> Selection:
    """The files a run starting at ``start_ms`` takes, oldest first, and the state after."""
    skipped = 0
    candidates: list[FileEntry] = []
    late = 0
    for entry in listing:
        if state.covers(entry):
            skipped += 1
        elif entry.mtime_ms > start_ms:
            late += 1
        else:
            candidates.append(entry)
    candidates.sort()
    floor = start_ms - limits.band_ms
    cut = len(candidates) if limits.bounded_files is None else limits.bounded_files
    taken = candidates[:cut]
    in_band = [i for i, e in enumerate(taken) if e.mtime_ms > floor]
    if len(in_band) > limits.max_files_in_band:
        taken = taken[: in_band[limits.max_files_in_band]]
    untaken = candidates[len(taken) :]
    low = floor if not untaken else min(floor, untaken[0].mtime_ms - 1)
    if state.low is not None:
        low = max(low, state.low)
    band = {p: m for p, m in state.band.items() if m > low}
    band.update((e.path, e.mtime_ms) for e in taken if e.mtime_ms > low)
    return Selection(taken, skipped, len(untaken) + late, FilesState(low, band))


def select_window(
    after: FilesState, upto: FilesState, listing: Iterable[FileEntry]
) -> Selection:
    """A paused run's files between two runs' states (Glue's --job-bookmark-from/-to):
    processed by ``upto`` and not by ``after``, oldest first. Nothing is written for a
    paused run, so the state returned is ``after`` unchanged."""
    taken: list[FileEntry] = []
    skipped = deferred = 0
    for entry in listing:
        if after.covers(entry):
            skipped += 1
        elif upto.covers(entry):
            taken.append(entry)
        else:
            deferred += 1
    return Selection(sorted(taken), skipped, deferred, after)


def set_now(now_ms: int) -> FilesState:
    """Everything modified at or before ``now_ms`` counts as processed."""
    return FilesState(low=now_ms)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _at_least(name: str, value: Any, low: int) -> None:
    if not _is_int(value) or value < low:
        raise InvalidInput(f"{name} must be a whole number >= {low}, got {value!r}", field=name)
