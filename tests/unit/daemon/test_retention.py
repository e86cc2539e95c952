"""The pieces of log retention that need no database (the sweep itself is tested over
SQLite and PostgreSQL in tests/integration/store/test_retention.py)."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from stoker.daemon.retention import _mtime
from stoker.domain.retention import check_log_retention, cutoff, effective_retention
from stoker.errors import InvalidInput

NOW = datetime(2026, 12, 3, tzinfo=UTC)


def test_a_file_gone_while_the_sweep_looks_is_never_old(tmp_path: Path) -> None:
    assert _mtime(tmp_path / "renamed-meanwhile.tmp") == math.inf


@pytest.mark.parametrize("value", [1, 30, 36500, "never"])
def test_a_retention_is_days_or_never(value: object) -> None:
    assert check_log_retention(value) == value


@pytest.mark.parametrize("value", [0, 36501, -1, True, 1.0, "Never", "30", None, [30]])
def test_anything_else_is_refused_naming_the_field(value: object) -> None:
    with pytest.raises(InvalidInput) as caught:
        check_log_retention(value, "jobs[0].log_retention_days")
    assert caught.value.field == "jobs[0].log_retention_days"
    assert "from 1 to 36500 or 'never'" in caught.value.message


def test_unset_or_unreadable_follows_the_default_and_never_has_no_cutoff() -> None:
    assert effective_retention(None, 90) == 90
    assert effective_retention("forever", "never") == "never"  # a hand-edited definition
    assert effective_retention(7, 90) == 7
    assert cutoff(7, NOW) == NOW - timedelta(days=7)
    assert cutoff("never", NOW) is None
