"""File bookmarks with real Spark runs on the warm pool: each file exactly once, across
runs, failures, retries, pause, reset, rewind and set --now."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.integration.bookmarks.conftest import Files, every_file_once, make_job, now, read, run
from tests.support.daemon import DaemonProcess

pytestmark = pytest.mark.spark


#: Files added before each of five runs (one adds none). Isolated runs pay a JVM start each
#: (~10 s): three of them show the same rule on that executor.
BATCHES = {"pool": (3, 2, 0, 4, 1), "isolated": (3, 0, 2)}


@pytest.mark.parametrize("executor", ["pool", "isolated"])
def test_files_added_between_runs_are_each_processed_once(
    daemon: DaemonProcess, tmp_path: Path, executor: str
) -> None:
    batches = BATCHES[executor]
    name = f"runs_{executor}"
    files, out = make_job(daemon, tmp_path, name, executor=executor)
    added: list[str] = []
    for batch in batches:
        added += files.add(batch)
        ended = run(daemon, name)
        assert ended["state"] == "SUCCEEDED", ended
        assert len(read(out, ended["id"])) == batch
        assert f"{batch} new file(s)" in daemon.logs(ended["id"])
    every_file_once(out, added)
    bookmark = daemon.http.get(f"/jobs/{name}/bookmark").json()
    assert (bookmark["version"], bookmark["run"], bookmark["action"]) == (
        len(batches), len(batches), "commit")  # fmt: skip
    assert bookmark["elements"]["src"]["type"] == "files"


def test_files_inside_the_band_and_landing_during_a_run_are_taken_once(
    daemon: DaemonProcess, tmp_path: Path
) -> None:
    files, out = make_job(daemon, tmp_path, "band")
    old = files.add(2, mtime=now() - 3600)  # long before: below the band
    recent = files.add(2, mtime=now() - 60)  # within the 15-minute band
    first = run(daemon, "band")
    assert sorted(read(out, first["id"])) == sorted(old + recent)
    # A file that appears late in a listing with an mtime inside the band is not lost,
    # and the ones already taken in the band are not taken again.
    late = files.add(1, mtime=now() - 120)
    # One that lands while a run reads belongs to the next run.
    future = files.add(1, mtime=now() + 3600)
    second = run(daemon, "band")
    assert read(out, second["id"]) == late
    assert "1 left for the next run" in daemon.logs(second["id"])
    (files.root / future[0]).touch()  # its mtime is now in the past: the next run takes it
    third = run(daemon, "band")
    assert read(out, third["id"]) == future
    every_file_once(out, old + recent + late + future)


def test_a_run_that_fails_after_reading_leaves_its_files_to_the_retry(
    daemon: DaemonProcess, tmp_path: Path
) -> None:
    files, out = make_job(daemon, tmp_path, "retried", retries=1)
    taken = files.add(3)
    first = daemon.start_run("retried", arguments={"--fail": "yes"})
    failed = daemon.wait_state(first["id"])
    assert failed["state"] == "FAILED"
    retry = next(r for r in daemon.runs(job="retried") if r["previous_run_id"] == first["id"])
    ended = daemon.wait_state(retry["id"])
    # The retry fails too (same arguments): both read the same three files; nothing moved.
    assert ended["state"] == "FAILED"
    assert sorted(read(out, first["id"])) == sorted(read(out, retry["id"])) == sorted(taken)
    assert daemon.http.get("/jobs/retried/bookmark").json()["version"] == 0
    fixed = run(daemon, "retried")
    assert fixed["state"] == "SUCCEEDED" and sorted(read(out, fixed["id"])) == sorted(taken)


def test_no_commit_means_nothing_advances(daemon: DaemonProcess, tmp_path: Path) -> None:
    files, out = make_job(daemon, tmp_path, "uncommitted", commit="no")
    taken = files.add(2)
    first, second = run(daemon, "uncommitted"), run(daemon, "uncommitted")
    assert first["state"] == second["state"] == "SUCCEEDED"
    assert sorted(read(out, first["id"])) == sorted(read(out, second["id"])) == sorted(taken)
    assert daemon.http.get("/jobs/uncommitted/bookmark").json()["version"] == 0


def test_pause_reads_from_the_bookmark_leaves_it_and_honours_from_to(
    daemon: DaemonProcess, tmp_path: Path
) -> None:
    files, out = make_job(daemon, tmp_path, "paused")
    batch1 = files.add(2)
    r1 = run(daemon, "paused")
    batch2 = files.add(2)
    r2 = run(daemon, "paused")
    batch3 = files.add(2)
    r3 = run(daemon, "paused")
    files.add(1)  # new since r3: what a plain pause reads
    version = daemon.http.get("/jobs/paused/bookmark").json()["version"]
    paused = run(daemon, "paused", **{"job-bookmark-option": "job-bookmark-pause"})
    assert len(read(out, paused["id"])) == 1
    again = run(daemon, "paused", **{"job-bookmark-option": "job-bookmark-pause"})
    assert read(out, again["id"]) == read(out, paused["id"])  # pause never advances
    window = run(daemon, "paused", **{"job-bookmark-option": "job-bookmark-pause",
                                      "job-bookmark-from": r1["id"],
                                      "job-bookmark-to": r3["id"]})  # fmt: skip
    assert sorted(read(out, window["id"])) == sorted(batch2 + batch3)
    assert daemon.http.get("/jobs/paused/bookmark").json()["version"] == version
    assert read(out, r1["id"]) == sorted(batch1) and sorted(read(out, r2["id"])) == batch2


def test_disable_reads_everything(daemon: DaemonProcess, tmp_path: Path) -> None:
    files, out = make_job(daemon, tmp_path, "disabled", option="job-bookmark-disable")
    first = files.add(2)
    run(daemon, "disabled")
    second = run(daemon, "disabled")
    assert sorted(read(out, second["id"])) == sorted(first)


def test_reset_rewind_and_set_now(daemon: DaemonProcess, tmp_path: Path) -> None:
    files, out = make_job(daemon, tmp_path, "rewound")
    batch1 = files.add(1)
    r1 = run(daemon, "rewound")
    batch2 = files.add(1)
    run(daemon, "rewound")
    rewind = daemon.http.post("/jobs/rewound/bookmark/reset", json={"run_id": r1["id"]})
    assert rewind.status_code == 200 and rewind.json()["action"] == "rewind"
    after_rewind = run(daemon, "rewound")
    assert read(out, after_rewind["id"]) == batch2
    assert daemon.http.post("/jobs/rewound/bookmark/reset", json={}).json()["version"] > 0
    after_reset = run(daemon, "rewound")
    assert sorted(read(out, after_reset["id"])) == sorted(batch1 + batch2)
    files.add(3)
    assert daemon.http.post("/jobs/rewound/bookmark/set", json={"now": True}).status_code == 200
    after_set = run(daemon, "rewound")
    assert read(out, after_set["id"]) == []
    time.sleep(1.1)  # past the instant set --now recorded
    newer = files.add(1)
    after_new = run(daemon, "rewound")
    assert read(out, after_new["id"]) == newer


def test_two_overlapping_runs_cannot_both_advance_it(
    daemon: DaemonProcess, tmp_path: Path
) -> None:
    files, _ = make_job(daemon, tmp_path, "overlap", concurrency=2, executor="isolated")
    files.add(2)
    first = daemon.start_run("overlap", arguments={"--pause": "8"})
    second = daemon.start_run("overlap", arguments={"--pause": "8"})
    ended = [daemon.wait_state(r["id"], timeout=240) for r in (first, second)]
    states = sorted(r["state"] for r in ended)
    assert states == ["FAILED", "SUCCEEDED"], ended
    loser = next(r for r in ended if r["state"] == "FAILED")
    winner = next(r for r in ended if r["state"] == "SUCCEEDED")
    assert "BookmarkConflict" in loser["error_message"] and winner["id"] in loser["error_message"]
    bookmark = daemon.http.get("/jobs/overlap/bookmark").json()
    assert (bookmark["version"], bookmark["run_id"]) == (1, winner["id"])


def test_bad_bookmark_arguments_are_refused_at_start_and_change_nothing(
    daemon: DaemonProcess, tmp_path: Path
) -> None:
    files, _ = make_job(daemon, tmp_path, "strict")
    files.add(1)
    committed = run(daemon, "strict")
    _, _ = make_job(daemon, tmp_path, "other")
    other = run(daemon, "other")
    never = daemon.start_run("strict", arguments={"--fail": "yes"})
    daemon.wait_state(never["id"])
    pause = {"--job-bookmark-option": "job-bookmark-pause"}
    cases = [
        ({"--job-bookmark-option": "job-bookmark-maybe"}, "arguments.--job-bookmark-option",
         "allowed: job-bookmark-enable"),
        ({**pause, "--job-bookmark-from": committed["id"]}, "arguments.--job-bookmark-to",
         "both run ids or neither"),
        ({**pause, "--job-bookmark-from": other["id"], "--job-bookmark-to": committed["id"]},
         "arguments.--job-bookmark-from", "not a run of this job"),
        ({**pause, "--job-bookmark-from": committed["id"], "--job-bookmark-to": never["id"]},
         "arguments.--job-bookmark-to", "never committed"),
    ]  # fmt: skip
    before = (len(daemon.runs(job="strict")), daemon.http.get("/jobs/strict/bookmark").json())
    for arguments, field, says in cases:
        refused = daemon.http.post("/jobs/strict/runs", json={"arguments": arguments})
        assert refused.status_code == 400, refused.text
        assert refused.json()["field"] == field and says in refused.json()["message"]
    after = (len(daemon.runs(job="strict")), daemon.http.get("/jobs/strict/bookmark").json())
    assert after == before
    rewind = daemon.http.post("/jobs/strict/bookmark/reset", json={"run_id": never["id"]})
    assert rewind.status_code == 404 and rewind.json()["field"] == "run_id"


#: Lists --input both ways (the OS for a path, Spark for its file: URI, as s3a:// or hdfs://
#: is listed) above --above, and writes both listings.
BOTH_LISTINGS = """\
import json, sys
from pathlib import Path
from stoker.job import init
from stoker.job.files import list_files, list_hadoop

job = init(sys.argv)
a = job.arguments
above = int(a["above"])
before = spark.conf.get("spark.sql.files.maxPartitionBytes")
local = sorted([e.mtime_ms, e.path] for e in list_files(None, a["input"], True, None)
               if e.mtime_ms > above)
uri = Path(a["input"]).as_uri()
spark_listed = sorted([e.mtime_ms, e.path.removeprefix("file:")]
                      for e in list_hadoop(spark, uri, True, above))
after = spark.conf.get("spark.sql.files.maxPartitionBytes")
with open(a["out"], "w") as out:
    json.dump({"local": local, "spark": spark_listed, "conf": [before, after]}, out)
"""


def test_spark_lists_a_hadoop_uri_as_the_os_lists_a_path(
    daemon: DaemonProcess, tmp_path: Path
) -> None:
    files = Files(tmp_path / "in")
    files.add(3, mtime=now() - 3600)  # below the low-water mark: never listed by Spark
    files.add(2, mtime=now() - 60)
    (files.root / "day=1").mkdir()
    (files.root / "day=1" / "late.csv").write_text("id\n9\n")
    (files.root / "_SUCCESS").write_text("")  # hidden from both, as Spark hides it
    out = tmp_path / "listings.json"
    daemon.create_job("listings", BOTH_LISTINGS, default_arguments={
        "--input": str(files.root), "--out": str(out), "--above": str(int((now() - 600) * 1000)),
    })  # fmt: skip
    ended = run(daemon, "listings")
    assert ended["state"] == "SUCCEEDED", daemon.logs(ended["id"], "stderr")
    listed = json.loads(out.read_text())
    assert len(listed["local"]) == 3 and listed["spark"] == listed["local"], listed
    before, after = listed["conf"]
    assert before == after  # the packing was for the listing only
