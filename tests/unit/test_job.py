"""stoker.job.get_resolved_options: Glue's getResolvedOptions."""

from __future__ import annotations

import pytest

from stoker.job import MissingOptionsError, get_resolved_options

ARGV = ["script.py", "--JOB_NAME", "j", "--JOB_RUN_ID", "jr_1", "--day", "2024-01-01", "--x=1"]


def test_returns_requested_and_job_ids() -> None:
    assert get_resolved_options(ARGV, ["day", "x"]) == {
        "day": "2024-01-01",
        "x": "1",
        "JOB_NAME": "j",
        "JOB_RUN_ID": "jr_1",
    }


def test_accepts_dashed_names() -> None:
    assert get_resolved_options(ARGV, ["--day"])["day"] == "2024-01-01"


def test_missing_options_are_named() -> None:
    with pytest.raises(MissingOptionsError, match=r"--a, --b"):
        get_resolved_options(ARGV, ["a", "day", "b"])


def test_without_job_ids() -> None:
    assert get_resolved_options(["s.py", "--k", "v"], ["k"]) == {"k": "v"}
