"""Glue's getResolvedOptions for user scripts, without the awsglue package."""

from __future__ import annotations

#: Glue passes these to every run; they are returned whenever argv carries them.
ALWAYS_RETURNED = ("JOB_NAME", "JOB_RUN_ID")


class MissingOptionsError(ValueError):
    """Raised when argv lacks options the script asked for."""


def parse_arguments(argv: list[str]) -> dict[str, str]:
    """``--key value`` and ``--key=value`` pairs of argv, the last of a repeated key winning."""
    parsed: dict[str, str] = {}
    i = 0
    while i < len(argv):
        token = argv[i]
        if not token.startswith("--") or len(token) == 2:
            i += 1  # argv[0] (the script) and stray values are not options
            continue
        key, sep, value = token[2:].partition("=")
        if sep:
            parsed[key] = value
            i += 1
        elif i + 1 < len(argv):
            parsed[key] = argv[i + 1]
            i += 2
        else:
            parsed[key] = ""
            i += 1
    return parsed


def get_resolved_options(argv: list[str], options: list[str]) -> dict[str, str]:
    """Return ``{name: value}`` for each requested option (written without '--').

    Like ``awsglue.utils.getResolvedOptions(sys.argv, [...])``: JOB_NAME and JOB_RUN_ID are
    included when present; a missing requested option raises MissingOptionsError naming it.
    """
    parsed = parse_arguments(argv)
    wanted = [name.removeprefix("--") for name in options]
    missing = [name for name in wanted if name not in parsed]
    if missing:
        raise MissingOptionsError(
            "missing job arguments: "
            + ", ".join(f"--{name}" for name in missing)
            + " (pass them as run arguments or job default arguments)"
        )
    resolved = {name: parsed[name] for name in wanted}
    for name in ALWAYS_RETURNED:
        if name in parsed:
            resolved.setdefault(name, parsed[name])
    return resolved
