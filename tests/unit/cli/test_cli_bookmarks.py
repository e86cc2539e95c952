"""`stoker bookmarks show|reset|rewind|set JOB` over real HTTP."""

from __future__ import annotations

import json
from typing import Any

from tests.unit.api.fakes import FakeServices, make_job

RUN = "jr_" + "e" * 64


def test_show_as_a_table_and_as_glues_get_job_bookmark(
    stoker: Any, services: FakeServices
) -> None:
    services.jobs.jobs["etl"] = make_job()
    services.bookmarks.commit("etl", RUN, {"src": {"type": "files", "path": "/in", "low": 7,
                                                   "band": {"/in/a": 8}}})  # fmt: skip
    shown = stoker("bookmarks", "show", "etl")
    assert shown.exit_code == 0 and "src: files /in (low 7, 1 in band)" in shown.stdout
    entry = json.loads(stoker("bookmarks", "show", "etl", "-o", "json").stdout)
    assert entry["JobBookmarkEntry"]["Version"] == 1 and entry["JobBookmarkEntry"]["RunId"] == RUN
    assert json.loads(entry["JobBookmarkEntry"]["JobBookmark"])["src"]["low"] == 7
    history = stoker("bookmarks", "show", "etl", "--history")
    assert "commit" in history.stdout and RUN in history.stdout


def test_reset_rewind_set_and_their_errors(stoker: Any, services: FakeServices) -> None:
    services.jobs.jobs["etl"] = make_job()
    services.bookmarks.commit("etl", RUN, {"src": {"type": "files", "low": 1}})
    assert stoker("bookmarks", "rewind", "etl", "--to", RUN).exit_code == 0
    assert stoker("bookmarks", "reset", "etl").exit_code == 0
    assert stoker("bookmarks", "set", "etl", "--now").exit_code == 0
    assert [v.action.value for v in services.bookmarks.versions["etl"]] == [
        "commit", "rewind", "reset", "set"]  # fmt: skip
    missing = stoker("bookmarks", "rewind", "etl", "--to", "jr_" + "f" * 64)
    assert missing.exit_code == 3 and "no committed bookmark state" in missing.stderr
    assert stoker("bookmarks", "set", "etl").exit_code == 2  # --now is required
    assert stoker("bookmarks", "show", "nope").exit_code == 3


def test_the_jobs_table_has_a_bookmark_column(stoker: Any, services: FakeServices) -> None:
    services.jobs.jobs["inc"] = make_job(
        "inc", default_arguments={"--job-bookmark-option": "job-bookmark-pause"}
    )
    listed = stoker("jobs", "list").stdout
    assert "BOOKMARK" in listed and "pause" in listed
