"""What runs on this machine, read from /proc: processes a stoker installation started."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Tagged:
    """A live process carrying a stoker installation's tags (stoker/executors/lineage.py)."""

    pid: int
    incarnation: str
    cmdline: str


def _live(pid: str) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def tagged(data_dir: Path) -> list[Tagged]:
    """Every live process whose environment names ``data_dir`` as its installation."""
    installation = str(data_dir.resolve()).encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes().split(b"\0")
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        env = dict(item.partition(b"=")[::2] for item in environ if item)
        if env.get(b"STOKER_INSTALLATION") == installation and _live(entry.name):
            incarnation = env.get(b"STOKER_INCARNATION", b"").decode()
            found.append(Tagged(int(entry.name), incarnation, cmdline))
    return found


def incarnations(data_dir: Path) -> set[str]:
    return {p.incarnation for p in tagged(data_dir)}
