"""The examples of the documentation: fenced code blocks and inline commands of every page."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from tests.support.daemon import REPO

_FENCE = re.compile(r'^```(?P<lang>[\w-]*)(?:\s+title="(?P<title>[^"]+)")?\s*$')
_INLINE = re.compile(r"(?<!`)`([^`\n]+)`(?!`)")
#: Inline code that reads as a command a person would type, and is checked like one.
COMMAND_PREFIXES = ("stoker ", ".venv/bin/", "make ")


@dataclass(frozen=True)
class Block:
    """One example: a fenced block (``lang`` from its info string) or an inline command."""

    path: Path
    line: int
    lang: str
    text: str
    title: str | None = None

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(REPO)}:{self.line}"


def pages() -> list[Path]:
    """README.md and every page of docs/."""
    return [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md"))]


def fenced_blocks(path: Path) -> list[Block]:
    found: list[Block] = []
    lines = path.read_text(encoding="utf-8").splitlines()
    start: int | None = None
    opening: re.Match[str] | None = None
    for number, line in enumerate(lines, start=1):
        if start is None:
            if line.startswith("```"):
                opening = _FENCE.match(line)
                if opening is None:
                    raise AssertionError(f"{path}:{number}: unreadable fence {line!r}")
                start = number
        elif line.startswith("```"):
            assert opening is not None
            text = "\n".join(lines[start : number - 1]) + "\n"
            found.append(Block(path, start, opening["lang"], text, opening["title"]))
            start = None
    if start is not None:
        raise AssertionError(f"{path}:{start}: code block never closed")
    return found


def inline_commands(path: Path) -> list[Block]:
    """Inline code spans outside fenced blocks that start like a command."""
    found: list[Block] = []
    in_fence = False
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.startswith("```"):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        for span in _INLINE.findall(line):
            if span.startswith(COMMAND_PREFIXES):
                found.append(Block(path, number, "sh", span + "\n"))
    return found


def all_blocks() -> list[Block]:
    return [block for page in pages() for block in fenced_blocks(page)]


def all_inline_commands() -> list[Block]:
    return [block for page in pages() for block in inline_commands(page)]
