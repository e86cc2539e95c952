"""Files and directories for the daemon's user only (0600 / 0700), whatever the umask."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700


def private_dir(path: Path) -> bool:
    """Create ``path`` (and its parents) for this user only; tighten it if it exists with
    a wider mode. True when an existing directory had to be tightened."""
    path.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    if path.stat().st_mode & 0o077:
        os.chmod(path, PRIVATE_DIR)
        return True
    return False


def open_private(path: Path | str, flags: int = os.O_WRONLY | os.O_CREAT | os.O_TRUNC) -> int:
    """A file descriptor on ``path``, which is made readable by this user only (also
    when it already existed with a wider mode)."""
    fd = os.open(path, flags | os.O_CLOEXEC | os.O_NOFOLLOW, PRIVATE_FILE)
    try:
        os.fchmod(fd, PRIVATE_FILE)
    except OSError:
        os.close(fd)
        raise
    return fd


def write_private(path: Path, text: str) -> None:
    with os.fdopen(open_private(path), "w", encoding="utf-8") as fh:
        fh.write(text)


def remove(*paths: Path | str | None) -> None:
    for path in paths:
        if path is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)
