"""The console's Sessions: a job's development endpoint from the Jobs list, the statement
console (output, an error's traceback), the sessions list, stop."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import in_ci

if not in_ci():  # under CI a missing playwright is an import error: a failure, not a skip
    pytest.importorskip(
        "playwright", reason="playwright is not installed (pip install -e '.[dev]')"
    )

from playwright.sync_api import expect

from tests.browser.conftest import RUN_TIMEOUT_MS, open_page, screenshot
from tests.browser.pages import JobsPage, SessionPage
from tests.support.daemon import DaemonProcess


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    yield from open_page(browser, request)


def test_a_development_endpoint_runs_statements_in_the_console(
    page: Any, daemon: DaemonProcess
) -> None:
    daemon.create_job("devjob", "print('x')", default_arguments={"--day": "mon"})
    jobs = JobsPage(page, daemon.url).open()
    jobs.select("devjob")
    jobs.action("Create development endpoint")
    dialog = page.get_by_role("dialog", name="Create development endpoint for devjob")
    expect(dialog.get_by_label("Session id")).to_have_value("devjob-dev")
    dialog.get_by_role("button", name="Create session").click()

    console = SessionPage(page, daemon.url)
    expect(page.get_by_role("heading", name="Session devjob-dev")).to_be_visible()
    expect(console.state()).to_have_text("READY", timeout=RUN_TIMEOUT_MS)
    first = console.run("df = spark.range(12)\nprint(args['day'])\ndf.count()")
    expect(first.locator(".statement-output")).to_have_text("mon\n12\n", timeout=RUN_TIMEOUT_MS)
    expect(first.locator(".state")).to_have_text("AVAILABLE")
    failed = console.run("df.nope()")
    expect(failed.locator(".statement-error")).to_contain_text("AttributeError")
    expect(failed.locator(".statement-error")).to_contain_text('File "<statement 1>"')
    screenshot(page, "session_console")

    # A reload shows the same statements, in order.
    console.open("devjob-dev")
    expect(page.locator("li.statement")).to_have_count(2)
    page.get_by_role("link", name="All sessions").click()
    row = page.locator("table.sessions tbody tr").filter(has_text="devjob-dev")
    expect(row).to_contain_text("READY")
    expect(row).to_contain_text("devjob")
    row.get_by_role("button", name="Stop").click()
    expect(page.locator("table.sessions tbody tr").filter(has_text="devjob-dev")).to_contain_text(
        "STOPPED")  # fmt: skip
