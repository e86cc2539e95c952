"""Health checks of docker/compose.yaml's services that run the stoker image: exit 0 if healthy.

    healthcheck.py stoker                   GET /health of the daemon in this container
                                            answers 200 (503 while a critical task is down)
    healthcheck.py spark-master URL         the master's JSON status (URL: its web UI) is ALIVE
    healthcheck.py spark-worker URL HOST    that master lists HOST's worker as ALIVE

The Spark checks are the ones scripts/spark.sh waits on at `make spark-up`. Standard library
only, and a few seconds at most: Docker runs it every interval.
"""

from __future__ import annotations

import json
import os
import sys
import urllib.error
import urllib.request
from typing import Any

TIMEOUT_SECONDS = 4.0


def _get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as answer:  # noqa: S310 - http only
        return json.loads(answer.read())


def check_stoker(port: int) -> str | None:
    """None when the daemon on loopback ``port`` is up; else why not."""
    try:
        health = _get(f"http://127.0.0.1:{port}/health")
    except urllib.error.HTTPError as exc:
        return f"/health answered {exc.code}"
    except (OSError, ValueError) as exc:
        return f"/health on port {port} did not answer: {exc}"
    return None if health.get("status") in ("ok", "degraded") else f"/health says {health!r}"


def check_master(ui_url: str) -> str | None:
    """None when the Spark master whose web UI is ``ui_url`` is ALIVE; else why not."""
    try:
        status = _get(f"{ui_url.rstrip('/')}/json/")
    except (OSError, ValueError) as exc:
        return f"the Spark master at {ui_url} did not answer: {exc}"
    if status.get("status") != "ALIVE":
        return f"the Spark master at {ui_url} is {status.get('status')!r}, not ALIVE"
    return None


def check_worker(ui_url: str, host: str) -> str | None:
    """None when the master at ``ui_url`` lists a worker on ``host`` as ALIVE; else why not."""
    try:
        status = _get(f"{ui_url.rstrip('/')}/json/")
    except (OSError, ValueError) as exc:
        return f"the Spark master at {ui_url} did not answer: {exc}"
    workers = status.get("workers", [])
    if any(w.get("host") == host and w.get("state") == "ALIVE" for w in workers):
        return None
    return f"the Spark master at {ui_url} has no ALIVE worker on {host}"


def main(argv: list[str]) -> int:
    match argv:
        case ["stoker"]:
            problem = check_stoker(int(os.environ.get("STOKER_API__PORT", "8421")))
        case ["spark-master", url]:
            problem = check_master(url)
        case ["spark-worker", url, host]:
            problem = check_worker(url, host)
        case _:
            print(__doc__, file=sys.stderr)
            return 2
    if problem is not None:
        print(f"unhealthy: {problem}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
