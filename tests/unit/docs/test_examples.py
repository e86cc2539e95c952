"""Every example of README.md and docs/ works against the code it describes.

Shell lines are resolved against the click tree (or run), TOML/YAML files go through the
readers the CLI uses into the real API, JSON is checked against what stoker produces, Python
compiles. A block no check can place fails: output that is not an example is fenced `text`.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from stoker.config.settings import Settings
from stoker.daemon.ready import ready_message
from stoker.definitions.files import load_definitions
from tests.support.daemon import REPO
from tests.unit.api.fakes import FakeServices
from tests.unit.docs.checks import check_command, check_document, check_json
from tests.unit.docs.markdown import Block, all_blocks, all_inline_commands
from tests.unit.docs.shell import commands

#: An optional part of a synopsis in prose.
OPTIONAL = re.compile(r"\s*\[[^\]]*\]")
SHELL = frozenset({"sh", "bash", "shell"})
FILES = frozenset({"toml", "yaml"})
BLOCKS = all_blocks()
INLINE = all_inline_commands()


def ids(blocks: list[Block]) -> list[str]:
    return [block.where for block in blocks]


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Relative paths of an example land in a directory of its own."""
    monkeypatch.chdir(tmp_path)


def check_shell(block: Block, *, partial: bool = False) -> None:
    found = commands(block.text)
    assert found, f"{block.where}: a shell example with no command"
    for command in found:
        try:
            check_command(command, partial=partial)
        except AssertionError as exc:
            raise AssertionError(f"{block.where}: {exc}") from exc


def check_text(block: Block) -> None:
    """Output shown in the docs; the daemon's ready lines must be what `make run` prints."""
    if block.text.startswith("stoker is ready: "):
        examples = [job["name"] for job in load_definitions(str(REPO / "examples")).jobs]
        expected = ready_message(Settings(), ".venv/bin/stoker", examples)
        assert block.text.rstrip("\n") == expected, f"{block.where}: not the ready message"


@pytest.mark.parametrize("block", BLOCKS, ids=ids(BLOCKS))
def test_block(block: Block, tmp_path: Path) -> None:
    if block.lang in SHELL:
        check_shell(block)
    elif block.lang in FILES:
        path = tmp_path / (block.title or f"example.{block.lang}")
        assert path.suffix == f".{block.lang}", f"{block.where}: title {block.title!r}"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(block.text, encoding="utf-8")
        check_document(path, block.lang, FakeServices(tmp_path / "logs"))
    elif block.lang == "json":
        check_json(block.text)
    elif block.lang == "python":
        compile(block.text, block.where, "exec")
    elif block.lang == "text":
        check_text(block)
    else:
        pytest.fail(f"{block.where}: no check for a {block.lang or 'plain'} block; "
                    "give it a language (sh, toml, yaml, json, python, text)")  # fmt: skip


@pytest.mark.parametrize("block", INLINE, ids=ids(INLINE))
def test_inline_command(block: Block) -> None:
    """Prose names commands (`stoker apply`): they must exist, with the options shown; an
    optional part in brackets (`[--stderr]`) is left out."""
    span = OPTIONAL.sub("", block.text)
    check_shell(replace(block, text=span), partial=True)


def test_the_examples_are_found() -> None:
    """A parser that finds nothing would pass everything."""
    langs = {block.lang for block in BLOCKS}
    assert {"sh", "toml", "yaml", "json", "python", "text"} <= langs
    assert len(BLOCKS) > 40 and len(INLINE) > 20
    assert any(block.path.name == "README.md" for block in BLOCKS + INLINE)
