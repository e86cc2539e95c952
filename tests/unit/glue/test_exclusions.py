"""Glue's ``exclusions`` globs: which listed files they keep out of a file source."""

from __future__ import annotations

import pytest

from stoker.job.files import excluded, glob_regex

ROOT = "/lake/in"


@pytest.mark.parametrize(("pattern", "path", "out"), [
    ("**.json", "/lake/in/a.json", True),
    ("**.json", "/lake/in/day=1/a.json", True),  # ** crosses directories
    ("**.json", "/lake/in/a.csv", False),
    ("*.json", "/lake/in/day=1/a.json", False),  # * does not
    ("*.{gz,zip}", "/lake/in/a.zip", True),
    ("*.{gz,zip}", "/lake/in/a.csv", False),
    ("day=?/**", "/lake/in/day=1/a.csv", True),
    ("day=[2-3]/**", "/lake/in/day=1/a.csv", False),
    ("/lake/in/skip/**", "/lake/in/skip/a.csv", True),  # a whole (mapped) path
    ("**.json", "file:/lake/in/x/a.json", True),  # Hadoop's listing of a file: URI
])  # fmt: skip
def test_patterns(pattern: str, path: str, out: bool) -> None:
    assert excluded(ROOT, path, [glob_regex(pattern)]) is out
