"""Wait until the development broker answers a Kafka client: scripts/kafka.sh up uses it.

usage: ready.py BOOTSTRAP PID TIMEOUT_SECONDS
exit 0 ready, 1 no answer within the timeout, 3 the broker process (PID) is gone.
"""

from __future__ import annotations

import logging
import os
import sys
import time

from kafka import KafkaAdminClient


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def main() -> int:
    bootstrap, pid, timeout = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    logging.disable(logging.CRITICAL)  # kafka-python logs every refused connection
    deadline = time.monotonic() + timeout
    last = "no attempt"
    while time.monotonic() < deadline:
        if not alive(pid):
            return 3
        try:
            admin = KafkaAdminClient(
                bootstrap_servers=bootstrap,
                bootstrap_timeout_ms=5000,
                request_timeout_ms=5000,
                client_id="stoker-kafka-ready",
            )
            try:
                admin.list_topics()
                return 0
            finally:
                admin.close()
        except Exception as exc:  # any failure means "not yet"
            last = f"{type(exc).__name__}: {exc}"
        time.sleep(0.5)
    print(f"ready.py: last error: {last}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
