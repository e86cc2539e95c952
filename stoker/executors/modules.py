"""Glue's ``--additional-python-modules``: pip-installing them into a directory of their own.

The modules (Glue's comma-separated list: names with versions, wheel paths, URLs) reach pip
in a private requirements file and ``--python-modules-installer-option`` as ``PIP_*``
environment variables, never on pip's command line, where every local user could read an
index URL's password (``/proc/PID/cmdline``). The target directory goes first on the
driver's ``PYTHONPATH``, so the modules win over the daemon's own packages, as Glue's do.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shlex
import signal
from pathlib import Path

from stoker.errors import ExecutorError, InvalidInput
from stoker.executors.lineage import Lineage
from stoker.executors.logs import open_log, tail
from stoker.executors.private import private_dir, remove, write_private
from stoker.executors.spawning import spawn_options

MODULES_ARGUMENT = "--additional-python-modules"
OPTIONS_ARGUMENT = "--python-modules-installer-option"
#: pip's one-letter options a user is likely to pass, by their long names (PIP_<NAME>).
_SHORT = {"-U": "upgrade", "-i": "index-url", "-f": "find-links"}
#: How much of pip's log an error message quotes.
_ERROR_TAIL = 1500


def parse_modules(value: str) -> list[str]:
    """Glue's list: comma-separated, blanks around entries ignored."""
    return [m.strip() for m in value.split(",") if m.strip()]


def installer_env(options: str) -> dict[str, str]:
    """pip's options as its environment variables (``--index-url U`` → ``PIP_INDEX_URL=U``,
    a flag → ``1``, a repeated option's values joined by spaces); InvalidInput for what
    cannot be said that way."""
    env: dict[str, str] = {}
    try:
        words = shlex.split(options)
    except ValueError as exc:
        raise InvalidInput(f"{OPTIONS_ARGUMENT} cannot be parsed as pip's options: {exc}",
                           field=OPTIONS_ARGUMENT) from None  # fmt: skip
    while words:
        word = words.pop(0)
        name, has_value, value = word.partition("=")
        name = "--" + _SHORT[name] if name in _SHORT else name
        if not name.startswith("--") or len(name) < 3:
            raise InvalidInput(
                f"{OPTIONS_ARGUMENT}: {word!r} is not a pip option stoker can pass; give pip's "
                f"long options ('--index-url URL', '--upgrade', '--no-deps'), or -U, -i, -f",
                field=OPTIONS_ARGUMENT,
            )
        if not has_value:
            value = words.pop(0) if words and not words[0].startswith("-") else "1"
        key = "PIP_" + name[2:].upper().replace("-", "_")
        env[key] = f"{env[key]} {value}" if key in env else value
    return env


async def install_modules(
    python: str, modules: list[str], options: str, target: Path, log: Path,
    lineage: Lineage | None,
) -> None:  # fmt: skip
    """``pip install --target target`` the modules, pip's output appended to ``log``;
    ExecutorError with pip's own error when it fails. pip starts as every child of the
    daemon does (its own group, the death signal); cancelled, its group is killed."""
    spawn = spawn_options(python, lineage)
    spawn["env"].update(installer_env(options))
    private_dir(target)
    requirements = target.with_suffix(".requirements.txt")
    write_private(requirements, "".join(f"{m}\n" for m in modules))
    command = [python, "-m", "pip", "install", "--target", str(target), "--no-input",
               "--disable-pip-version-check", "--no-warn-script-location", "-r",
               str(requirements)]  # fmt: skip
    log_fd = open_log(log)
    try:
        proc = await asyncio.create_subprocess_exec(*command, stdout=log_fd, stderr=log_fd, **spawn)
    except OSError as exc:
        remove(requirements)
        raise ExecutorError(f"cannot run pip for {MODULES_ARGUMENT}: {exc}") from None
    finally:
        os.close(log_fd)
    try:
        code = await proc.wait()
    except asyncio.CancelledError:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        raise
    finally:
        remove(requirements)
    if code != 0:
        raise ExecutorError(f"installing {MODULES_ARGUMENT} failed (pip exited with code "
                            f"{code}): {pip_error(log)}; pip's output is in {log}")  # fmt: skip


def pip_error(log: Path) -> str:
    """pip's ``ERROR:`` lines from the end of its log, else its last lines."""
    lines = tail(log, 16_000).splitlines()
    errors = [line for line in lines if line.startswith("ERROR:")]
    text = "\n".join(errors or lines[-5:]).strip()
    return text[-_ERROR_TAIL:] if text else "pip said nothing"
