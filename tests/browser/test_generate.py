"""Add job → Generate a script: infer the columns, edit the mapping, open the script editor."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import in_ci

if not in_ci():  # under CI a missing playwright is an import error: a failure, not a skip
    pytest.importorskip(
        "playwright", reason="playwright is not installed (pip install -e '.[dev]')"
    )

from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.pages import JobFormPage
from tests.support.daemon import DaemonProcess


def test_generate_a_script_from_a_csv_source(
    page: Any, daemon: DaemonProcess, tmp_path: Path
) -> None:
    source = tmp_path / "orders"
    source.mkdir()
    (source / "part-0.csv").write_text("id,item,note\n1,pen,x\n2,ink,\n")
    form = JobFormPage(page, daemon.url)
    form.goto("/console/jobs/new")
    page.get_by_role("button", name="Generate a script").click()
    form.fill(name="generated_orders", source=str(source), target=str(tmp_path / "out"))
    page.get_by_role("button", name="Infer columns").click()
    expect(page.locator("table.mapping tbody tr")).to_have_count(3)
    page.get_by_label("Target name of id").fill("order_id")
    page.get_by_label("Target type of id").fill("string")
    page.get_by_label("Drop note").check()
    expect(page.locator("pre.script-preview")).to_contain_text("ApplyMapping.apply")
    page.locator("table.mapping").scroll_into_view_if_needed()
    screenshot(page, "generate_a_script_the_column_mapping")
    page.get_by_role("button", name="Create job").click()
    expect(page).to_have_url(re.compile(r"/console/jobs/generated_orders/script\?edit=1$"))
    expect(page.locator("textarea.editor")).to_have_value(re.compile(r"job\.commit\(\)"))
    script = daemon.http.get("/jobs/generated_orders/script").json()["script"]
    assert '("id", "long", "order_id", "string")' in script and '"note"' not in script


def test_a_bad_source_shows_its_error(page: Any, daemon: DaemonProcess) -> None:
    form = JobFormPage(page, daemon.url)
    form.goto("/console/jobs/new?generate=1")
    form.fill(name="nowhere", source="relative/path", target="/out")
    page.get_by_role("button", name="Infer columns").click()
    expect(form.error_beside("source")).to_contain_text("absolute path")
    assert daemon.http.get("/jobs/nowhere").status_code == 404
