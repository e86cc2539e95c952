"""Shell examples as simple commands: continuations joined, comments dropped, split on
``&&``/``||``/``;``/``|``/``$( )``, redirections removed, leading ``NAME=value`` kept apart."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field

_SEPARATORS = frozenset({"&&", "||", ";", "|", "&", "(", ")"})
_REDIRECTIONS = frozenset({">", ">>", "<"})
_ASSIGNMENT = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=(.*)$", re.DOTALL)


@dataclass(frozen=True)
class Command:
    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)


def logical_lines(text: str) -> list[str]:
    """Lines with their backslash continuations joined; blank and comment lines dropped."""
    joined: list[str] = []
    pending = ""
    for raw in text.splitlines():
        line = pending + raw
        if line.endswith("\\"):
            pending = line[:-1] + " "
            continue
        pending = ""
        if line.strip() and not line.lstrip().startswith("#"):
            joined.append(line)
    if pending:
        raise ValueError(f"a line continues past the end of the example: {pending!r}")
    return joined


def tokens(line: str) -> list[str]:
    if "<<" in line:
        raise ValueError(f"here-documents are not checked; write the file as its own block: {line}")
    lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    return list(lexer)


def split_commands(words: list[str]) -> list[Command]:
    commands: list[Command] = []
    current: list[str] = []
    for word in [*words, ";"]:
        if word in _SEPARATORS:
            if current:
                commands.append(_command(current))
            current = []
        else:
            current.append(word)
    return [c for c in commands if c.argv]


def _command(words: list[str]) -> Command:
    env: dict[str, str] = {}
    while words and (assignment := _ASSIGNMENT.match(words[0])):
        env[assignment[1]] = assignment[2]
        words = words[1:]
    argv: list[str] = []
    skip = False
    for word in words:
        if skip:
            skip = False
        elif word in _REDIRECTIONS:
            skip = True  # the redirection's target is a file, not an argument
        else:
            argv.append(word)
    return Command(argv, env)


def commands(text: str) -> list[Command]:
    """Every simple command of a shell example, in order."""
    return [c for line in logical_lines(text) for c in split_commands(tokens(line))]
