"""Page objects of the console: one class per page, each knowing its own selectors."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Locator, Page, expect


class Console:
    """What every page has: the navigation, notices, the token prompt."""

    def __init__(self, page: Page, base_url: str) -> None:
        self.page = page
        self.base_url = base_url

    def goto(self, path: str) -> None:
        self.page.goto(f"{self.base_url}{path}")

    def notice(self) -> Locator:
        return self.page.locator("#notice .notice").last

    def mark_no_reload(self) -> None:
        """A flag on window that a reload would lose."""
        self.page.evaluate("window.__noReload = true")

    def was_not_reloaded(self) -> bool:
        return bool(self.page.evaluate("window.__noReload === true"))


class TokenPrompt(Console):
    def dialog(self) -> Locator:
        return self.page.get_by_role("dialog", name="Token needed")

    def answer(self, token: str) -> None:
        self.dialog().get_by_label("API token").fill(token)
        self.dialog().get_by_role("button", name="Use token").click()


class JobsPage(Console):
    def open(self, query: str = "") -> JobsPage:
        self.goto(f"/console/jobs{query}")
        expect(self.page.get_by_role("heading", name="Jobs")).to_be_visible()
        return self

    def row(self, name: str) -> Locator:
        return self.page.locator("table.jobs tbody tr").filter(
            has=self.page.get_by_role("link", name=name, exact=True)
        )

    def select(self, name: str) -> None:
        self.page.get_by_label(f"Select {name}", exact=True).check()

    def action(self, label: str) -> None:
        self.page.get_by_role("toolbar").get_by_role("button", name=label).click()

    def filter_by_name(self, text: str) -> None:
        self.page.get_by_label("Name").fill(text)
        self.page.get_by_role("button", name="Filter").click()

    def names(self) -> list[str]:
        """The jobs listed, in the order shown."""
        links = self.page.locator("table.jobs tbody tr th[scope=row] a")
        return [str(n) for n in links.all_inner_texts()]

    def sort_by(self, column: str) -> None:
        self.page.locator("table.jobs thead").get_by_role("link", name=column).click()

    def add_job(self) -> JobFormPage:
        self.page.locator(".toolbar").get_by_role("link", name="Add job").click()
        return JobFormPage(self.page, self.base_url)


class JobFormPage(Console):
    def fill(self, **fields: str) -> None:
        """Fields by their form name: name, script, timeout, default_arguments, ..."""
        for name, value in fields.items():
            self.page.locator(f"[name='{name}']").fill(value)

    def submit(self) -> None:
        self.page.get_by_role("button", name=re.compile("^(Create|Save) job$")).click()

    def error_beside(self, name: str) -> Locator:
        return (
            self.page.locator(".field")
            .filter(has=self.page.locator(f"[name='{name}']"))
            .locator(".field-error")
        )


class RunDialog(Console):
    def dialog(self) -> Locator:
        return self.page.get_by_role("dialog")

    def locked_values(self) -> list[str]:
        rows = self.dialog().locator(".arg-row.locked .arg-key")
        return [rows.nth(i).input_value() for i in range(rows.count())]

    def start(self) -> None:
        self.dialog().get_by_role("button", name="Run job").click()
        expect(self.dialog()).to_have_count(0)


class JobPage(Console):
    def open(self, name: str, tab: str = "history", query: str = "") -> JobPage:
        self.goto(f"/console/jobs/{name}/{tab}{query}")
        expect(self.page.get_by_role("heading", name=name, exact=True)).to_be_visible()
        return self

    def tab(self, label: str) -> None:
        self.page.locator(".tabs").get_by_role("link", name=label).click()

    def run_job(self) -> RunDialog:
        self.page.locator(".title-row").get_by_role("button", name="Run job").click()
        return RunDialog(self.page, self.base_url)

    # -- History
    def history_overflow(self) -> int:
        """How many pixels the History table is wider than the room it has (0: it fits)."""
        expect(self.page.locator("table.history tbody tr").first).to_be_visible()
        return int(self.page.evaluate(
            "(() => { const w = document.querySelector('table.history').closest('.table-wrap');"
            " return w.scrollWidth - w.clientWidth; })()"
        ))  # fmt: skip

    def run_row(self, run_id: str) -> Locator:
        return self.page.locator(f"table.history tr[data-run='{run_id}']")

    def first_run_id(self) -> str:
        row = self.page.locator("table.history tbody tr").first
        expect(row).to_be_visible()
        return str(row.get_attribute("data-run"))

    def record_states(self) -> None:
        """Collect every state a History row shows, in order, as the page changes."""
        self.page.evaluate(
            """() => {
              window.__states = [];
              const seen = () => document.querySelectorAll('table.history tr[data-run]')
                .forEach((tr) => {
                  const key = tr.dataset.run + ' ' + tr.dataset.state;
                  if (!window.__states.includes(key)) window.__states.push(key);
                });
              seen();
              new MutationObserver(seen).observe(document.querySelector('main'),
                { subtree: true, childList: true, attributes: true });
            }"""
        )

    def states_seen(self, run_id: str) -> list[str]:
        seen: list[Any] = self.page.evaluate("window.__states")
        return [s.split(" ", 1)[1] for s in seen if s.startswith(f"{run_id} ")]

    def expect_state(self, run_id: str, state: str, timeout: float) -> None:
        expect(self.run_row(run_id)).to_have_attribute("data-state", state, timeout=timeout)

    def stop(self, run_id: str) -> None:
        self.page.get_by_role("button", name=f"Stop run {run_id}").click()

    # -- Details
    def trigger_rows(self, caption: str) -> Locator:
        return (
            self.page.locator("table.triggers")
            .filter(has=self.page.locator("caption", has_text=caption))
            .locator("tbody tr")
        )

    # -- Script
    def edit_script(self) -> Locator:
        self.page.get_by_role("button", name="Edit script").click()
        return self.page.get_by_label("Script", exact=True).and_(self.page.locator("textarea"))

    def save_script(self) -> None:
        self.page.get_by_role("button", name="Save script").click()

    def marked_line(self) -> Locator:
        return self.page.locator("ol.code li.marked")

    # -- Metrics
    def charts(self) -> Locator:
        return self.page.locator("figure.chart")

    def show_metrics(self, label: str) -> None:
        """One run, or a time range ("Last 24 hours", "Custom range", …)."""
        self.page.get_by_label("Show").select_option(label=label)

    def custom_range(self, start: str, end: str) -> None:
        """Local times as a datetime-local input takes them (2026-12-02T10:00)."""
        self.page.get_by_label("From").fill(start)
        self.page.get_by_label("to", exact=True).fill(end)
        self.page.get_by_role("button", name="Apply").click()


class LogPage(Console):
    def open(self, run_id: str, stream: str = "stdout") -> LogPage:
        self.goto(f"/console/runs/{run_id}/logs?stream={stream}")
        return self

    def text(self) -> Locator:
        return self.page.locator("pre.log")

    def follow_state(self) -> Locator:
        return self.page.locator(".follow")


class BookmarkDialog(Console):
    def dialog(self) -> Locator:
        return self.page.get_by_role("dialog")

    def current(self) -> Locator:
        """The bookmark's current version, what wrote it and its run."""
        return self.dialog().locator(".bookmark-current")

    def rewind_to(self, run_id: str | None) -> None:
        select = self.dialog().get_by_label("Bookmark")
        select.select_option(run_id or "")
        self.dialog().get_by_role("button", name="Reset bookmark").click()


class TriggersDialog(Console):
    def dialog(self) -> Locator:
        return self.page.get_by_role("dialog")

    def create(self, name: str, schedule: str | None = None) -> None:
        d = self.dialog()
        d.get_by_label("Name").fill(name)
        if schedule:
            d.get_by_label("Type").select_option("SCHEDULED")
            d.get_by_label("Schedule (SCHEDULED)").fill(schedule)
        d.get_by_role("button", name="Save").click()
        expect(d).to_have_count(0)


class RunsPage(Console):
    def open(self, query: str = "") -> RunsPage:
        self.goto(f"/console/runs{query}")
        expect(self.page.get_by_role("heading", name="Runs", exact=True)).to_be_visible()
        return self

    def filter(self, job: str = "", states: tuple[str, ...] = (), failed: bool = False) -> None:
        form = self.page.get_by_role("search")
        form.get_by_label("Job").fill(job)
        form.get_by_label("State").select_option(list(states))
        form.get_by_label("Any failed run").set_checked(failed)
        form.get_by_role("button", name="Filter").click()

    def rows(self) -> Locator:
        return self.page.locator("table.runs tbody tr")

    def tile(self, state: str) -> Locator:
        return self.page.locator("a.tile").filter(has_text=state)

    def bars(self) -> Locator:
        return self.page.locator("svg.bars rect.bar")

    def empty(self) -> Locator:
        return self.page.locator(".empty")


class TriggersPage(Console):
    def open(self) -> TriggersPage:
        self.goto("/console/triggers")
        expect(self.page.get_by_role("heading", name="Triggers", exact=True)).to_be_visible()
        return self

    def row(self, name: str) -> Locator:
        return self.page.locator(f"table.trigger-list tr[data-trigger='{name}']")

    def add(self) -> None:
        self.page.get_by_role("link", name="Add trigger").click()

    def fill(self, name: str, schedule: str, timezone: str, jobs: str) -> None:
        self.page.get_by_label("Name").fill(name)
        self.page.get_by_label("Type").select_option("SCHEDULED")
        self.page.get_by_label("Time zone").fill(timezone)
        self.page.get_by_label("Schedule").fill(schedule)
        self.page.get_by_label("Jobs to start (one a line)").fill(jobs)

    def preview(self) -> Locator:
        return self.page.get_by_role("list", name="Next fire times").locator("li")

    def create(self) -> None:
        self.page.get_by_role("button", name="Create trigger").click()

    def act(self, name: str, verb: str) -> None:
        self.row(name).get_by_role("button", name=verb).click()

    def error_beside(self, name: str) -> Locator:
        """The API's message beside the form's field ``name`` (e.g. event.batch_size)."""
        return self.page.locator(f".field[data-for='{name}'] .field-error")


class SessionPage(Console):
    """A session's statement console."""

    def open(self, session_id: str) -> SessionPage:
        self.goto(f"/console/sessions/{session_id}")
        expect(self.page.get_by_role("heading", name=f"Session {session_id}")).to_be_visible()
        return self

    def state(self) -> Locator:
        return self.page.locator(".session-state .state")

    def run(self, code: str) -> Locator:
        """Type and run ``code``; the statement's item in the list."""
        count = self.page.locator("li.statement").count()
        self.page.get_by_label("Python to run").fill(code)
        self.page.get_by_role("button", name="Run", exact=True).click()
        return self.page.locator("li.statement").nth(count)
