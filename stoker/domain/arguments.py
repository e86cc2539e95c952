"""Job arguments: validation, Glue's resolution order, and masking (stoker.masking's rules)."""

from __future__ import annotations

import re
from collections.abc import Mapping

from stoker.domain.bookmarks import CONTEXT_ARG
from stoker.domain.datacatalog import GLUE_CONTEXT_ARG
from stoker.domain.limits import quote
from stoker.errors import InvalidInput
from stoker.masking import MASK, is_masked, is_secret_key, mask_credentials, mask_value

__all__ = [
    "MASK", "argv_from_arguments", "is_masked", "is_secret_key", "mask_arguments",
    "mask_credentials", "mask_value", "resolve_arguments", "validate_arguments",
]  # fmt: skip

ARGUMENT_KEY = re.compile(r"--[A-Za-z0-9][A-Za-z0-9_.\-]{0,127}")
#: The files stoker hands a run (its bookmark, its catalog view): set by the daemon only.
INTERNAL_KEYS = frozenset({CONTEXT_ARG, GLUE_CONTEXT_ARG})
#: Glue reserves these, and stoker its internal ones; a user may not set them.
RESERVED_KEYS = frozenset(
    {"--conf", "--debug", "--mode", "--JOB_NAME", "--JOB_RUN_ID", "--JOB_ID"} | INTERNAL_KEYS
)
MAX_ARGUMENTS = 1000
#: Glue refuses StartJobRun requests above ~180 KB; we hold every argument map to that.
MAX_ARGUMENTS_BYTES = 180 * 1024
MAX_VALUE_BYTES = 100 * 1024


def validate_arguments(arguments: Mapping[str, str], field: str) -> dict[str, str]:
    """Check an argument map; return it as a plain dict or raise InvalidInput naming the key."""
    if not isinstance(arguments, Mapping):
        raise InvalidInput(f"{field} must be a map of '--key' to string value", field=field)
    if len(arguments) > MAX_ARGUMENTS:
        raise InvalidInput(
            f"{field} has {len(arguments)} entries; at most {MAX_ARGUMENTS} are allowed",
            field=field,
        )
    total = 0
    for key, value in arguments.items():
        where = f"{field}.{key}"
        if not isinstance(key, str) or not ARGUMENT_KEY.fullmatch(key):
            raise InvalidInput(
                f"argument key {quote(key)} is invalid: keys are written '--name' (letters, "
                "digits, '_', '.', '-'; at most 130 characters)",
                field=where,
                value=key,
            )
        if key in RESERVED_KEYS:
            raise InvalidInput(
                f"argument {key} is reserved (stoker sets it itself); reserved: "
                + ", ".join(sorted(RESERVED_KEYS)),
                field=where,
                value=key,
            )
        if not isinstance(value, str):
            raise InvalidInput(
                f"argument {key} must be a string, got {type(value).__name__}",
                field=where,
                value=value,
            )
        if "\x00" in value:
            raise InvalidInput(
                f"argument {key} holds a NUL character, which no process argument can carry",
                field=where,
            )
        size = len(value.encode("utf-8", errors="surrogatepass"))
        if size > MAX_VALUE_BYTES:
            raise InvalidInput(
                f"argument {key} is {size} bytes; a value may be at most {MAX_VALUE_BYTES} bytes",
                field=where,
            )
        total += size + len(key)
    if total > MAX_ARGUMENTS_BYTES:
        raise InvalidInput(
            f"{field} total {total} bytes; all arguments together may be at most "
            f"{MAX_ARGUMENTS_BYTES} bytes",
            field=field,
        )
    return dict(arguments)


def resolve_arguments(
    defaults: Mapping[str, str],
    non_overridable: Mapping[str, str],
    run_arguments: Mapping[str, str],
) -> dict[str, str]:
    """Glue's order: job defaults, overlaid by the run's, with non-overridable keys on top.

    Unlike Glue, which silently ignores a run value for a non-overridable key, stoker refuses
    it: a user who tries to override one has made a mistake and should hear about it.
    """
    clashing = sorted(set(run_arguments) & set(non_overridable))
    if clashing:
        raise InvalidInput(
            f"argument {clashing[0]} is non-overridable for this job; the run may not set it "
            f"(non-overridable: {', '.join(sorted(non_overridable))})",
            field=f"arguments.{clashing[0]}",
            value=clashing[0],
        )
    resolved = dict(defaults)
    resolved.update(run_arguments)
    resolved.update(non_overridable)
    return resolved


def mask_arguments(arguments: Mapping[str, str]) -> dict[str, str]:
    """The map with secret-looking values replaced, for every output a person or log sees."""
    return {k: mask_value(k, v) for k, v in arguments.items()}


def argv_from_arguments(arguments: Mapping[str, str]) -> list[str]:
    """``{'--k': 'v'}`` → ``['--k', 'v']``, the sys.argv shape Glue scripts parse."""
    argv: list[str] = []
    for key, value in arguments.items():
        argv.extend((key, value))
    return argv
