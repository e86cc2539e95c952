"""The daemon registers examples/ through the same path as `stoker apply`."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from stoker.daemon.examples import register_examples
from tests.unit.api.fakes import FakeServices

REPO = Path(__file__).resolve().parents[3]


def test_the_shipped_examples_register_as_one_apply(tmp_path: Path) -> None:
    services = FakeServices(tmp_path)
    names = asyncio.run(register_examples(services, REPO / "examples"))
    assert sorted(names) == ["always_fails", "long_running", "orders_etl"]
    (call,) = services.definitions.calls
    assert (call["prune"], call["dry_run"]) == (False, False)
    scripts = {job.name: script for job, script in call["jobs"]}
    assert scripts["orders_etl"] == (REPO / "examples" / "jobs" / "orders_etl.py").read_text()
    assert services.jobs.jobs["always_fails"].max_retries == 1


def test_registering_twice_leaves_them_unchanged(tmp_path: Path) -> None:
    services = FakeServices(tmp_path)
    first = asyncio.run(register_examples(services, REPO / "examples"))
    assert asyncio.run(register_examples(services, REPO / "examples")) == first
    assert services.definitions.calls[-1]["jobs"]  # applied again; nothing to change


def test_a_bad_example_registers_nothing_and_says_where(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "job.py").write_text("pass\n")
    (tmp_path / "a.toml").write_text('[[jobs]]\nname = "good"\nscript_file = "job.py"\n')
    (tmp_path / "b.toml").write_text(
        '[[jobs]]\nname = "bad"\nscript_file = "job.py"\nmax_retries = "many"\n'
    )
    services = FakeServices(tmp_path)
    with caplog.at_level(logging.ERROR):
        assert asyncio.run(register_examples(services, tmp_path)) == []
    assert services.jobs.jobs == {}
    (record,) = [r for r in caplog.records if r.action == "examples.skipped"]
    assert "b.toml" in record.getMessage() and "'bad'" in record.getMessage()
    assert "max_retries" in record.getMessage()


def test_an_unknown_field_in_an_example_is_refused_by_name(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "a.toml").write_text('[[jobs]]\nname = "x"\nretries = 3\n')
    with caplog.at_level(logging.ERROR):
        assert asyncio.run(register_examples(FakeServices(tmp_path), tmp_path)) == []
    assert "retries: unknown field" in caplog.records[-1].getMessage()
