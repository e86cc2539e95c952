"""Chromium's time to a rendered console page over a large history.

Fills a fresh SQLite database as bench/console.py does (``--jobs`` jobs, ``--runs`` runs,
``--big`` of them for ``big_job``), starts ``stoker daemon`` on it without Spark
(pool_size=0), and loads each page ``--rounds`` times in Debian's chromium (Playwright,
headless, a fresh tab each time): the time from navigation start to the page's data on screen
(the console's ``console:rendered`` performance mark, set once the view's API calls are
answered and drawn: the Jobs list, big_job's History, the Runs page), p50 and p95.
Target: a rendered Jobs list ≤ 1 s. Asserts nothing.
Each page's line also gives the median of its phases: the HTML received, the last module
received, the view's API calls sent and answered, and the mark.
Usage: .venv/bin/python bench/console_render.py [--jobs 5000] [--runs 1000000] [--rounds 20]
[--reuse FILE.db (a database bench/console.py --reuse filled)]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import sync_playwright

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from stoker.store.engine import Database, upgrade  # noqa: E402

#: Set by the console (app.js) once a view's data is on screen, ms after navigation start.
MARK = "performance.getEntriesByName('console:rendered')[0]?.startTime"
#: Where a load's time went, from the browser's own timings (ms after navigation start): the
#: page's HTML received, the last module received, the view's API calls sent and answered.
PHASES = """() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const res = performance.getEntriesByType("resource");
  const js = res.filter((e) => e.name.endsWith(".js"));
  const api = res.filter((e) => e.initiatorType === "fetch");
  return {
    html: nav.responseEnd, modules: Math.max(...js.map((e) => e.responseEnd)),
    api_sent: Math.min(...api.map((e) => e.startTime)),
    api_answered: Math.max(...api.map((e) => e.responseEnd)), api_calls: api.length,
    rendered: performance.getEntriesByName("console:rendered")[0].startTime,
  };
}"""
PAGES = {
    "Jobs list": ("/console/jobs", "table.jobs tbody tr"),
    "big_job History": ("/console/jobs/big_job/history", "table.history tbody tr"),
    "Runs monitoring (7 days)": ("/console/runs", "table.runs tbody tr, .tiles .tile"),
}


def bench_console() -> object:
    """bench/console.py as a module, for its fill() (bench/ is not a package)."""
    spec = importlib.util.spec_from_file_location("bench_console", REPO / "bench" / "console.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_console"] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_daemon(tmp: Path, url: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("STOKER_")}
    env.update({
        "STOKER_DATA_DIR": str(tmp / "data"), "STOKER_DATABASE__URL": url,
        "STOKER_API__PORT": str(port), "STOKER_SPARK__POOL_SIZE": "0",
        "STOKER_LOGS__LEVEL": "WARNING",
    })  # fmt: skip
    stoker = str(Path(sys.executable).parent / "stoker")
    log = (tmp / "daemon.log").open("ab")
    proc = subprocess.Popen([stoker, "daemon"], env=env, cwd=tmp, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    proc.kill()
    raise SystemExit(f"the daemon did not start: {(tmp / 'daemon.log').read_text()[-2000:]}")


def load(browser: Any, url: str, ready: str) -> dict[str, float]:
    """One load in a fresh tab (its own context: nothing cached), its phases."""
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(url)
    page.wait_for_selector(ready)
    page.wait_for_function(MARK)
    phases: dict[str, float] = page.evaluate(PHASES)
    page.close()
    return phases


def report(label: str, loads: list[dict[str, float]]) -> None:
    """p50 and p95 of the rendered mark, and the median of each phase before it."""
    times = sorted(p["rendered"] for p in loads)
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    print(f"  {label:<28} p50 {statistics.median(times):6.0f} ms  p95 {p95:6.0f} ms")
    phases = ", ".join(
        f"{name} {statistics.median(p[name] for p in loads):.0f}" for name in loads[0]
    )
    print(f"    median ms after navigation start: {phases}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=1_000_000)
    parser.add_argument("--big", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--reuse", help="a SQLite file bench/console.py filled: no new fill")
    args = parser.parse_args()
    chromium = shutil.which("chromium")
    if chromium is None:
        raise SystemExit("chromium is not installed (scripts/test-deps.sh installs it)")
    fill = bench_console()
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        url = f"sqlite:///{args.reuse or tmp / 'stoker.db'}"
        db = Database(url)
        upgrade(db)
        if args.reuse is None:
            print(f"sqlite: {args.jobs} jobs, {args.runs} runs ({args.big} of big_job)")
            names = fill.job_names(args.jobs)  # type: ignore[attr-defined]
            filled = fill.fill(db, names, args.runs, args.big, args.days)  # type: ignore[attr-defined]
            print(f"  filled in {filled:.0f} s")
        db.engine.dispose()
        proc, base = start_daemon(tmp, url)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=chromium, args=["--headless", "--no-sandbox"]
                )
                for label, (path, ready) in PAGES.items():
                    loads = [load(browser, f"{base}{path}", ready) for _ in range(args.rounds)]
                    report(label, loads)
                browser.close()
        finally:
            proc.terminate()
            proc.wait(30)


if __name__ == "__main__":
    main()
