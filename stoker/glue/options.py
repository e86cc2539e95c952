"""Glue's ``getResolvedOptions``: the job arguments a script asks for, parsed as Glue does.

Observable rules (Glue's documentation and what its runs print): every requested name is a
``--name`` argument, hyphens in the requested name becoming underscores in the key; the
answer always also holds the arguments Glue itself passes (the bookmark option, defaulting
to ``job-bookmark-disable``, its from/to window, the run and job ids, ``TempDir`` …, None
when absent); a requested argument that is missing raises :class:`GlueArgumentError`
("the following arguments are required: --X"); arguments nobody asked for are ignored
(stoker's own ``--stoker-*`` among them); the last of a repeated argument wins.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import NoReturn

BOOKMARK_OPTIONS = ("job-bookmark-enable", "job-bookmark-disable", "job-bookmark-pause")
#: Arguments Glue defines for every script: always in the answer, None when not passed.
ALWAYS = (
    "job-bookmark-from", "job-bookmark-to", "JOB_ID", "JOB_RUN_ID", "SECURITY_CONFIGURATION",
    "encryption-type", "enable-data-lineage", "RedshiftTempDir", "TempDir",
)  # fmt: skip
#: Names Glue keeps for itself (its "special parameters" page: never set these).
RESERVED = ("conf", "debug", "mode")


class GlueArgumentError(Exception):
    """Raised when a script's job arguments do not satisfy getResolvedOptions."""


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of printing usage and exiting the run."""

    def error(self, message: str) -> NoReturn:
        raise GlueArgumentError(message)


def get_resolved_options(args: Sequence[str], options: Sequence[str]) -> dict[str, str | None]:
    """``{key: value}`` for each name in ``options`` plus Glue's own arguments."""
    parser = _Parser(prog="getResolvedOptions", add_help=False, allow_abbrev=False)
    parser.add_argument(
        "--job-bookmark-option", choices=BOOKMARK_OPTIONS, default="job-bookmark-disable"
    )
    for name in ALWAYS:
        parser.add_argument(f"--{name}", required=False)
    known = {"job-bookmark-option", *ALWAYS}
    for option in options:
        name = option.removeprefix("--")
        if name in RESERVED:
            raise GlueArgumentError(f"argument --{name} is reserved by AWS Glue; use another name")
        if name in known or name.replace("-", "_") in {k.replace("-", "_") for k in known}:
            continue  # Glue's own argument: already defined, asked for again
        known.add(name)
        parser.add_argument(f"--{name}", required=True)
    parsed, _unknown = parser.parse_known_args(list(args)[1:])
    resolved: dict[str, str | None] = vars(parsed)
    _check_window(resolved)
    return resolved


def _check_window(resolved: dict[str, str | None]) -> None:
    """--job-bookmark-from/-to: both or neither, and only with job-bookmark-pause."""
    start, end = resolved.get("job_bookmark_from"), resolved.get("job_bookmark_to")
    if (start is None) != (end is None):
        raise GlueArgumentError(
            "--job-bookmark-from and --job-bookmark-to must be given together"
        )
    if start is not None and resolved.get("job_bookmark_option") != "job-bookmark-pause":
        raise GlueArgumentError(
            "--job-bookmark-from and --job-bookmark-to are valid only with "
            "--job-bookmark-option job-bookmark-pause"
        )
