"""The console in Chromium against one real daemon with real Spark runs (warm pool of one)."""

from __future__ import annotations

import re
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
from tests.browser.pages import (
    BookmarkDialog,
    JobFormPage,
    JobPage,
    JobsPage,
    LogPage,
    RunsPage,
    TokenPrompt,
    TriggersDialog,
    TriggersPage,
)
from tests.support.daemon import DaemonProcess
from tests.support.waiting import eventually

PRINTER = """\
import sys
import time

from stoker.job import get_resolved_options

args = get_resolved_options(sys.argv, ["lines"])
print(f"rows: {spark.range(10).count()}", flush=True)
for i in range(int(args["lines"])):
    print(f"line {i}", flush=True)
    time.sleep(0.4)
print("done", flush=True)
"""
COMMITTER = "import sys\nfrom stoker.job import init\njob = init(sys.argv)\njob.commit()\n"
SLEEPER = "import time\nfor _ in range(600):\n    time.sleep(0.5)\n"


@pytest.fixture(scope="module")
def printer(daemon: DaemonProcess) -> str:
    daemon.create_job(
        "printer", PRINTER, default_arguments={"--lines": "1"},
        non_overridable_arguments={"--locked": "yes"},
    )  # fmt: skip
    return "printer"


def test_create_a_job_through_the_form(page: Any, daemon: DaemonProcess) -> None:
    jobs = JobsPage(page, daemon.url).open()
    form = jobs.add_job()
    form.fill(name="bad name!", timeout="30")
    form.submit()
    expect(form.error_beside("name")).to_contain_text("name")
    form.fill(name="from_form", description="made in the browser", tags="team=data")
    form.submit()
    expect(page).to_have_url(re.compile(r"/console/jobs/from_form/details$"))
    expect(page.locator("dl.fields")).to_contain_text("made in the browser")
    expect(page.locator(".panel")).not_to_contain_text("null")
    assert daemon.http.get("/jobs/from_form").json()["timeout"] == 30


def test_a_bad_field_shows_its_error_beside_it(page: Any, daemon: DaemonProcess) -> None:
    form = JobFormPage(page, daemon.url)
    form.goto("/console/jobs/new")
    form.fill(name="bad_timeout", timeout="0")
    form.submit()
    expect(form.error_beside("timeout")).to_be_visible()
    expect(page.locator("[name='timeout']")).to_have_attribute("aria-invalid", "true")
    assert daemon.http.get("/jobs/bad_timeout").status_code == 404


def test_jobs_list_filters_survive_a_reload(page: Any, daemon: DaemonProcess, printer: str) -> None:
    jobs = JobsPage(page, daemon.url).open()
    jobs.filter_by_name("print")
    expect(page).to_have_url(re.compile(r"name=print"))
    page.reload()
    expect(page.get_by_label("Name")).to_have_value("print")
    expect(jobs.row(printer)).to_be_visible()
    expect(page.locator("table.jobs tbody tr")).to_have_count(1)


def test_jobs_list_sorted_by_the_api_survives_a_reload(
    page: Any, daemon: DaemonProcess
) -> None:
    for name in ("zsort_b", "zsort_c", "zsort_a"):  # modified in this order
        daemon.create_job(name, PRINTER)
    jobs = JobsPage(page, daemon.url).open("?name=zsort")
    assert jobs.names() == ["zsort_a", "zsort_b", "zsort_c"]
    jobs.sort_by("Last modified")
    expect(page).to_have_url(re.compile(r"sort=last_modified"))
    expect(page.locator("table.jobs tbody tr").first).to_contain_text("zsort_b")
    jobs.sort_by("Last modified ▲")  # again: the other way
    expect(page).to_have_url(re.compile(r"desc=1"))
    page.reload()
    expect(page.locator("table.jobs tbody tr").first).to_contain_text("zsort_a")
    assert jobs.names() == ["zsort_a", "zsort_c", "zsort_b"]
    sorted_header = page.locator("th[aria-sort=descending]")
    expect(sorted_header).to_contain_text("Last modified")


def test_jobs_list_at_phone_width_in_the_dark(
    browser: Any, request: pytest.FixtureRequest, daemon: DaemonProcess, printer: str
) -> None:
    tab = open_page(browser, request, viewport={"width": 390, "height": 844}, color_scheme="dark")
    page = next(tab)
    JobsPage(page, daemon.url).open()
    expect(page.get_by_role("link", name=printer, exact=True)).to_be_visible()
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(15, 20, 25)", background
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways at phone width: {width}px"
    next(tab, None)


def test_the_jobs_list_by_keyboard_alone(page: Any, daemon: DaemonProcess, printer: str) -> None:
    JobsPage(page, daemon.url).open()
    page.get_by_label("Name").focus()
    page.keyboard.type("print")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"name=print"))
    page.get_by_label(f"Select {printer}", exact=True).focus()
    page.keyboard.press("Space")
    run = page.get_by_role("toolbar").get_by_role("button", name="Run job")
    expect(run).to_be_enabled()
    run.focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    focused = page.evaluate("document.activeElement.closest('dialog') !== null")
    assert focused, "the dialog takes the focus"
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)


def test_run_and_watch_history_live(page: Any, daemon: DaemonProcess, printer: str) -> None:
    job = JobPage(page, daemon.url).open(printer)
    expect(page.locator(".live-state")).to_contain_text("Live")
    job.record_states()
    job.mark_no_reload()
    dialog = job.run_job()
    assert dialog.locked_values() == ["--locked"]
    dialog.start()
    run_id = job.first_run_id()
    job.expect_state(run_id, "SUCCEEDED", RUN_TIMEOUT_MS)
    seen = job.states_seen(run_id)
    assert seen.index("RUNNING") < seen.index("SUCCEEDED"), seen
    assert seen[0] in ("WAITING", "STARTING"), seen
    assert job.was_not_reloaded()
    # The run's last sample is stored just after its terminal state: wait for it.
    eventually(
        lambda: daemon.http.get(f"/runs/{run_id}/metrics").json()["complete"], "final sample"
    )
    job.tab("Metrics")
    expect(job.charts()).to_have_count(2)
    page.get_by_role("button", name="View additional metrics").click()
    expect(job.charts()).to_have_count(5)
    expect(job.charts().first.locator("circle.point").first).to_be_attached()


def test_metrics_over_a_chosen_time_range(page: Any, daemon: DaemonProcess, printer: str) -> None:
    run = daemon.start_run(printer)
    assert daemon.wait_state(run["id"])["state"] == "SUCCEEDED"
    eventually(
        lambda: daemon.http.get(f"/runs/{run['id']}/metrics").json()["complete"], "final sample"
    )
    job = JobPage(page, daemon.url).open(printer, "metrics")
    job.show_metrics("Last 24 hours")
    expect(page).to_have_url(re.compile(r"range=24h"))
    expect(job.charts()).to_have_count(2)
    expect(job.charts().first.locator("circle.point").first).to_be_attached()
    page.reload()  # the range is in the URL: a reload keeps it
    expect(page.get_by_label("Show")).to_have_value("24h")
    page.get_by_role("button", name="View additional metrics").click()
    expect(job.charts()).to_have_count(5)
    for chart in job.charts().all():  # every graph has points (heap and CPU: the driver's)
        expect(chart.locator("circle.point").first).to_be_attached()
    screenshot(page, "metrics_time_range")
    job.show_metrics("Custom range")  # starts as the last 24 hours, from and to in the URL
    expect(page).to_have_url(re.compile(r"range=custom&from=.+&to=.+"))
    expect(job.charts().first.locator("circle.point").first).to_be_attached()
    job.custom_range("2020-01-01T00:00", "2020-01-02T00:00")
    expect(page.get_by_text("No run of this job with stored samples started")).to_be_visible()
    expect(page.get_by_label("From")).to_have_value("2020-01-01T00:00")


def test_history_fits_at_1280_and_keeps_its_key_columns_on_a_phone(
    browser: Any, request: pytest.FixtureRequest, daemon: DaemonProcess, printer: str
) -> None:
    daemon.start_run(printer)  # at least one row, whatever ran before
    tab = open_page(browser, request)
    job = JobPage(next(tab), daemon.url).open(printer)
    assert job.history_overflow() == 0, "History scrolls sideways at 1280x800"
    next(tab, None)
    tab = open_page(browser, request, viewport={"width": 390, "height": 844})
    page = next(tab)
    job = JobPage(page, daemon.url).open(printer)
    job.history_overflow()
    expect(page.get_by_role("columnheader", name="Run status")).to_be_visible()
    expect(page.get_by_role("columnheader", name="Timeout")).to_be_hidden()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways at phone width: {width}px"
    next(tab, None)


def test_a_log_is_followed_while_the_run_prints(
    page: Any, daemon: DaemonProcess, printer: str
) -> None:
    run = daemon.start_run(printer, arguments={"--lines": "15"})
    daemon.wait_state(run["id"], {"RUNNING"})
    log = LogPage(page, daemon.url).open(run["id"])
    expect(log.text()).to_contain_text("line 1", timeout=RUN_TIMEOUT_MS)
    first = log.text().inner_text()
    assert "done" not in first
    log.mark_no_reload()
    expect(log.text()).to_contain_text("done", timeout=RUN_TIMEOUT_MS)
    expect(log.follow_state()).to_have_text("complete", timeout=10_000)
    assert log.was_not_reloaded()


def test_runs_filters_survive_a_reload(page: Any, daemon: DaemonProcess, printer: str) -> None:
    run = daemon.start_run(printer)
    daemon.wait_state(run["id"])
    runs = RunsPage(page, daemon.url).open()
    runs.filter(job=printer, states=("SUCCEEDED",))
    expect(page).to_have_url(re.compile(r"job=printer&state=SUCCEEDED"))
    page.reload()
    expect(page.get_by_label("Job")).to_have_value(printer)
    expect(runs.rows().first).to_be_visible()
    states = runs.rows().evaluate_all("rows => rows.map((r) => r.dataset.state)")
    assert set(states) == {"SUCCEEDED"}, states
    runs.filter(job=printer, failed=True)
    expect(page).to_have_url(re.compile(r"outcome=failed"))
    expect(runs.empty()).to_contain_text("No run matches")
    runs.open()
    expect(runs.bars().first).to_be_attached()
    runs.tile("SUCCEEDED").click()
    expect(page).to_have_url(re.compile(r"state=SUCCEEDED"))
    expect(runs.tile("SUCCEEDED")).to_have_attribute("aria-current", "true")
    states = runs.rows().evaluate_all("rows => rows.map((r) => r.dataset.state)")
    assert states and set(states) == {"SUCCEEDED"}, states


def test_jobs_list_shows_the_last_run_and_filters_by_its_state(
    page: Any, daemon: DaemonProcess, printer: str
) -> None:
    jobs = JobsPage(page, daemon.url).open("?last_state=SUCCEEDED")
    row = jobs.row(printer)
    expect(row.locator(".state")).to_have_text("SUCCEEDED")
    expect(row.locator(".dots .dot").first).to_have_class(re.compile("state-succeeded"))
    expect(jobs.row("from_form")).to_have_count(0)  # never run
    jobs.open("?tag=team%3Ddata")
    expect(jobs.row("from_form")).to_be_visible()
    expect(jobs.row(printer)).to_have_count(0)


def test_edit_and_delete_a_job_from_the_list(page: Any, daemon: DaemonProcess) -> None:
    daemon.create_job(
        "edited", 'print("x")\n', default_arguments={"--db-password": "hunter2", "--n": "1"},
        role="etl", security_configuration="sealed",
    )
    jobs = JobsPage(page, daemon.url).open("?name=edited")
    jobs.select("edited")
    jobs.action("Edit job")
    form = JobFormPage(page, daemon.url)
    expect(page.locator("[name='default_arguments']")).not_to_contain_text("hunter2")
    form.fill(description="changed in the browser", max_retries="2")
    form.submit()
    expect(page.locator("dl.fields")).to_contain_text("changed in the browser")
    expect(page.locator("dl.fields")).to_contain_text("sealed")
    stored = daemon.http.get("/jobs/edited").json()
    assert stored["max_retries"] == 2 and stored["default_arguments"]["--n"] == "1"
    # The form keeps what it does not change: the job's role and security configuration.
    assert (stored["role"], stored["security_configuration"]) == ("etl", "sealed")
    jobs.open("?name=edited")
    jobs.select("edited")
    jobs.action("Delete")
    page.get_by_role("dialog").get_by_role("button", name="Delete").click()
    expect(jobs.notice()).to_contain_text("Deleted edited")
    assert daemon.http.get("/jobs/edited").status_code == 404


def test_stop_a_long_run(page: Any, daemon: DaemonProcess) -> None:
    daemon.create_job("sleeper", SLEEPER, command={"name": "glueetl"})
    run = daemon.start_run("sleeper")
    daemon.wait_state(run["id"], {"RUNNING"})
    job = JobPage(page, daemon.url).open("sleeper")
    job.expect_state(run["id"], "RUNNING", 10_000)
    job.stop(run["id"])
    job.expect_state(run["id"], "STOPPED", RUN_TIMEOUT_MS)


def test_stop_a_long_run_from_the_jobs_list(page: Any, daemon: DaemonProcess) -> None:
    daemon.create_job("long_sleeper", SLEEPER, command={"name": "glueetl"})
    run = daemon.start_run("long_sleeper")
    daemon.wait_state(run["id"], {"RUNNING"})
    jobs = JobsPage(page, daemon.url).open("?name=long_sleeper")
    expect(jobs.row("long_sleeper").locator(".state")).to_have_text("RUNNING")
    jobs.select("long_sleeper")
    jobs.action("Stop job run")
    expect(jobs.notice()).to_contain_text("Stopping 1 run(s)")
    assert daemon.wait_state(run["id"], timeout=RUN_TIMEOUT_MS / 1000)["state"] == "STOPPED"
    page.reload()
    expect(jobs.row("long_sleeper").locator(".state")).to_have_text("STOPPED")


def test_edit_the_script_refuses_a_syntax_error_then_runs_again(
    page: Any, daemon: DaemonProcess
) -> None:
    daemon.create_job("editable", 'print("first version")\n')
    job = JobPage(page, daemon.url).open("editable", "script")
    expect(page.locator("ol.code")).to_contain_text("first version")
    editor = job.edit_script()
    editor.fill('print("second version")\nif True\n    print("oops")\n')
    job.save_script()
    expect(job.marked_line()).to_have_attribute("data-line", "2")
    expect(page.locator(".check .field-error")).to_contain_text("Line 2")
    job.marked_line().scroll_into_view_if_needed()
    screenshot(page, "script_syntax_error")
    assert "first version" in daemon.http.get("/jobs/editable/script").json()["script"]
    editor.fill('print("second version")\n')
    job.save_script()
    expect(page.locator("ol.code")).to_contain_text("second version")
    job.tab("History")
    job.run_job().start()
    run_id = job.first_run_id()
    job.expect_state(run_id, "SUCCEEDED", RUN_TIMEOUT_MS)
    assert "second version" in daemon.logs(run_id)


def test_a_trigger_chosen_from_the_list_is_in_details(
    page: Any, daemon: DaemonProcess, printer: str
) -> None:
    jobs = JobsPage(page, daemon.url).open()
    jobs.select(printer)
    jobs.action("Choose job triggers")
    TriggersDialog(page, daemon.url).create("nightly-printer", schedule="cron(0 2 * * ? *)")
    job = JobPage(page, daemon.url).open(printer, "details")
    rows = job.trigger_rows("Triggers that start this job")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("nightly-printer")
    expect(rows.first).to_contain_text("cron(0 2 * * ? *)")
    rows.first.scroll_into_view_if_needed()


def test_create_a_trigger_with_its_fire_times_previewed(
    page: Any, daemon: DaemonProcess, printer: str
) -> None:
    triggers = TriggersPage(page, daemon.url).open()
    triggers.add()
    triggers.fill("hourly", "cron(0 * * * ? *", "Europe/Paris", printer)
    expect(triggers.preview().first).to_have_class("field-error")
    page.get_by_label("Schedule").fill("cron(30 6 * * ? *)")
    expect(triggers.preview()).to_have_count(5)
    expect(triggers.preview().first).to_contain_text("(Europe/Paris)")
    screenshot(page, "trigger_fire_times_preview")
    triggers.create()
    expect(page).to_have_url(re.compile(r"/console/triggers$"))
    expect(triggers.row("hourly")).to_contain_text("CREATED")
    triggers.act("hourly", "Activate")
    expect(triggers.row("hourly")).to_contain_text("ACTIVATED")
    triggers.act("hourly", "Deactivate")
    expect(triggers.row("hourly")).to_contain_text("DEACTIVATED")
    assert daemon.http.get("/triggers/hourly").json()["schedule"] == "cron(30 6 * * ? *)"


def test_an_event_trigger_with_its_batching_refused_then_created(
    page: Any, daemon: DaemonProcess, printer: str
) -> None:
    triggers = TriggersPage(page, daemon.url)
    triggers.goto("/console/triggers/new")
    page.get_by_label("Name").fill("orders-in")
    page.get_by_label("Type").select_option("EVENT")
    page.get_by_label("Kafka topic").fill("orders")
    page.get_by_label("Event pattern (JSON)").fill('{"type": ["order"]}')
    page.get_by_label("Batch size").fill("0")
    page.get_by_label("Batch window (seconds)").fill("60")
    page.get_by_label("Jobs to start (one a line)").fill(printer)
    triggers.create()
    expect(triggers.error_beside("event.batch_size")).to_contain_text("batch_size")
    expect(page.get_by_label("Batch size")).to_have_attribute("aria-invalid", "true")
    assert daemon.http.get("/triggers/orders-in").status_code == 404
    page.get_by_label("Batch size").fill("5")
    page.get_by_label("Jobs to start (one a line)").fill(f"{printer} timeout=0")
    triggers.create()
    expect(triggers.error_beside("actions")).to_contain_text("timeout")
    page.get_by_label("Jobs to start (one a line)").fill(f"{printer} timeout=30 delay=5")
    triggers.create()
    expect(triggers.row("orders-in")).to_contain_text("topic orders")
    event = daemon.http.get("/triggers/orders-in").json()["event"]
    assert event == {"topic": "orders", "pattern": {"type": ["order"]}, "batch_size": 5,
                     "batch_window": 60}  # fmt: skip
    action = daemon.http.get("/triggers/orders-in").json()["actions"][0]
    assert (action["timeout"], action["notify_delay_after"]) == (30, 5)
    triggers.row("orders-in").get_by_role("link", name="orders-in").click()
    expect(page.get_by_label("Batch window (seconds)")).to_have_value("60")
    expect(page.get_by_label("Jobs to start (one a line)")).to_have_value(
        f"{printer} timeout=30 delay=5"
    )
    triggers.goto("/console/triggers/new")
    page.get_by_label("Type").select_option("CONDITIONAL")
    expect(page.get_by_label("Allow cycles")).not_to_be_checked()


def test_trigger_options_and_each_jobs_arguments_through_the_form(
    page: Any, daemon: DaemonProcess, printer: str
) -> None:
    """catch_up ONCE, Activate on creation, allow_cycles, and per-job arguments, round trip."""
    triggers = TriggersPage(page, daemon.url)
    triggers.goto("/console/triggers/new")
    triggers.fill("nightly-once", "cron(0 2 * * ? *)", "UTC",
                  f'{printer} timeout=9 --lines=3 --note="two words"')  # fmt: skip
    page.get_by_label("Catch up").select_option("ONCE")
    page.get_by_label("Activate on creation").check()
    triggers.create()
    expect(triggers.row("nightly-once")).to_contain_text("ACTIVATED")
    stored = daemon.http.get("/triggers/nightly-once").json()
    assert stored["catch_up"] == "ONCE", stored
    assert stored["actions"][0]["arguments"] == {"--lines": "3", "--note": "two words"}
    triggers.row("nightly-once").get_by_role("link", name="nightly-once").click()
    jobs_field = page.get_by_label("Jobs to start (one a line)")
    expect(jobs_field).to_have_value(f'{printer} timeout=9 --lines=3 --note="two words"')
    jobs_field.fill(f"{printer} --lines=4")
    page.get_by_role("button", name=re.compile("^Save")).click()
    expect(page).to_have_url(re.compile(r"/console/triggers$"))
    action = daemon.http.get("/triggers/nightly-once").json()["actions"][0]
    assert (action["arguments"], action["timeout"]) == ({"--lines": "4"}, None), action
    triggers.goto("/console/triggers/new")
    page.get_by_label("Name").fill("loop")
    page.get_by_label("Type").select_option("CONDITIONAL")
    page.get_by_label('Conditions (one "job STATE" a line)').fill(f"{printer} SUCCEEDED")
    page.get_by_label("Allow cycles").check()
    page.get_by_label("Jobs to start (one a line)").fill(printer)
    triggers.create()
    expect(triggers.row("loop")).to_be_visible()
    assert daemon.http.get("/triggers/loop").json()["allow_cycles"] is True


def test_start_and_delete_a_trigger_from_the_list(
    page: Any, daemon: DaemonProcess, printer: str
) -> None:
    body = {"name": "by-hand", "type": "ON_DEMAND", "actions": [{"job_name": printer}]}
    created = daemon.http.post("/triggers", json=body)
    assert created.status_code == 201, created.text
    triggers = TriggersPage(page, daemon.url).open()
    triggers.act("by-hand", "Start")
    expect(triggers.notice()).to_contain_text("by-hand: start")
    job = JobPage(page, daemon.url).open(printer)
    started = page.locator("table.history tbody tr").filter(has_text="by-hand")
    expect(started).to_have_count(1)
    run_id = str(started.get_attribute("data-run"))
    job.expect_state(run_id, "SUCCEEDED", RUN_TIMEOUT_MS)
    triggers.open()
    triggers.act("by-hand", "Delete")
    confirm = page.get_by_role("dialog")
    expect(confirm).to_contain_text("Delete trigger by-hand?")
    confirm.get_by_role("button", name="Delete").click()
    expect(triggers.notice()).to_contain_text("Deleted by-hand")
    page.reload()
    expect(page.locator("table.trigger-list, main p.empty")).to_be_visible()  # loaded
    expect(triggers.row("by-hand")).to_have_count(0)


def test_a_predecessor_link_opens_that_run(page: Any, daemon: DaemonProcess, printer: str) -> None:
    daemon.create_job("follower", 'print("after printer")\n')
    created = daemon.http.post(
        "/triggers",
        json={
            "name": "after-printer", "type": "CONDITIONAL", "start_on_creation": True,
            "predicate": {"conditions": [{"job_name": printer, "state": "SUCCEEDED"}]},
            "actions": [{"job_name": "follower"}],
        },
    )  # fmt: skip
    assert created.status_code == 201, created.text
    first = daemon.start_run(printer)
    assert daemon.wait_state(first["id"])["state"] == "SUCCEEDED"
    follower = eventually(lambda: daemon.runs(job="follower"), "the follower's run")[0]
    daemon.http.post("/triggers/after-printer/deactivate")
    assert daemon.wait_state(follower["id"])["state"] == "SUCCEEDED"
    job = JobPage(page, daemon.url).open("follower")
    job.run_row(follower["id"]).get_by_role("link", name=printer, exact=True).click()
    expect(page).to_have_url(re.compile(rf"/console/jobs/{printer}/history\?run={first['id']}$"))
    expect(job.run_row(first["id"])).to_have_attribute("aria-current", "true")
    expect(job.run_row(first["id"])).to_be_in_viewport()
    expect(page.locator("table.history tr[aria-current]")).to_have_count(1)


def test_a_retry_of_link_opens_the_attempt_it_repeats(page: Any, daemon: DaemonProcess) -> None:
    daemon.create_job("flaky", 'raise RuntimeError("boom")\n', max_retries=1)
    first = daemon.start_run("flaky")
    retry = eventually(
        lambda: [r for r in daemon.runs(job="flaky") if r["previous_run_id"] == first["id"]],
        "the retry",
    )[0]
    assert daemon.wait_state(retry["id"])["state"] == "FAILED"
    job = JobPage(page, daemon.url).open("flaky")
    expect(job.run_row(first["id"])).not_to_have_attribute("aria-current", "true")
    job.run_row(retry["id"]).locator(".muted").get_by_role("link").click()
    expect(page).to_have_url(re.compile(rf"/console/jobs/flaky/history\?run={first['id']}$"))
    expect(job.run_row(first["id"])).to_have_attribute("aria-current", "true")
    expect(page.locator("table.history tr[aria-current]")).to_have_count(1)


def test_reset_a_bookmark_then_rewind_it_to_a_run(page: Any, daemon: DaemonProcess) -> None:
    daemon.create_job(
        "bookmarked", COMMITTER,
        default_arguments={"--job-bookmark-option": "job-bookmark-enable"},
    )  # fmt: skip
    run = daemon.start_run("bookmarked")
    assert daemon.wait_state(run["id"])["state"] == "SUCCEEDED"
    jobs = JobsPage(page, daemon.url).open("?name=bookmarked")
    jobs.select("bookmarked")
    jobs.action("Reset job bookmark")
    dialog = BookmarkDialog(page, daemon.url)
    expect(dialog.current()).to_contain_text(f"commit, run {run['id']}")
    dialog.rewind_to(None)
    expect(jobs.notice()).to_contain_text("(reset)")
    assert daemon.http.get("/jobs/bookmarked/bookmark").json()["action"] == "reset"
    jobs.select("bookmarked")  # the list reloads after an action, its selection cleared
    jobs.action("Reset job bookmark")
    dialog.rewind_to(run["id"])
    expect(jobs.notice()).to_contain_text("(rewind)")
    jobs.select("bookmarked")
    jobs.action("Reset job bookmark")
    stored = daemon.http.get("/jobs/bookmarked/bookmark").json()
    assert stored["action"] == "rewind" and stored["run_id"] == run["id"]
    expect(dialog.current()).to_contain_text(
        f"Current version: {stored['version']} (rewind, run {run['id']})"
    )


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DaemonProcess]:
    """A daemon with tokens and no Spark driver at all (pool_size=0): cheap to start."""
    proc = DaemonProcess(
        tmp_path_factory.mktemp("guarded"), pool_size=0, token="s3cret",
        env={"STOKER_API__TOKENS": '["s3cret"]'},
    ).start()  # fmt: skip
    yield proc
    proc.stop()


def test_the_token_prompt(
    browser: Any, request: pytest.FixtureRequest, guarded: DaemonProcess
) -> None:
    guarded.create_job("guarded_job", 'print("hi")\n')
    page = next(tab := open_page(browser, request))
    prompt = TokenPrompt(page, guarded.url)
    prompt.goto("/console/jobs")
    expect(prompt.dialog()).to_be_visible()
    screenshot(page, "token_prompt_dialog")
    prompt.answer("wrong")
    expect(prompt.dialog()).to_contain_text("not valid")
    prompt.answer("s3cret")
    expect(JobsPage(page, guarded.url).row("guarded_job")).to_be_visible()
    assert page.evaluate("sessionStorage.getItem('stoker.token')") == "s3cret"
    assert page.evaluate("localStorage.length") == 0
    next(tab, None)
