"""Access control against a real `stoker daemon` (issue 17): roles from the configuration
(a bare token and named ones), a viewer refused with what it lacks, a job-limited operator
kept to its job, and every change in `stoker audit list`. Python shell jobs: no Spark."""

from __future__ import annotations

import json
from collections.abc import Callable

from tests.acceptance.conftest import PYSHELL, stoker
from tests.support.daemon import DaemonProcess

StartDaemon = Callable[..., DaemonProcess]
TOKENS = [
    "admin-tok",
    {"name": "ci", "token": "ci-tok", "role": "operator", "jobs": ["etl-*"]},
    {"name": "dash", "token": "dash-tok", "role": "viewer"},
]


def test_roles_limits_and_the_audit_log_on_a_daemon(start_daemon: StartDaemon) -> None:
    daemon = start_daemon("access", pool_size=0, token="admin-tok",
                          env={"STOKER_API__TOKENS": json.dumps(TOKENS)})  # fmt: skip
    daemon.create_job("etl-daily", "print('etl')\n", command=PYSHELL)
    daemon.create_job("billing", "print('bill')\n", command=PYSHELL)
    viewer = stoker("runs", "start", "etl-daily", daemon=daemon, token="dash-tok")
    assert viewer.returncode == 5, viewer
    assert "needs the operate permission" in viewer.stderr and "'dash'" in viewer.stderr
    assert stoker("jobs", "list", daemon=daemon, token="dash-tok").returncode == 0
    started = stoker("runs", "start", "etl-daily", daemon=daemon, token="ci-tok")
    assert started.returncode == 0, started
    other = stoker("runs", "start", "billing", daemon=daemon, token="ci-tok")
    assert other.returncode == 5 and "may not use job 'billing'" in other.stderr
    listed = stoker("jobs", "list", "-o", "json", daemon=daemon, token="ci-tok")
    assert [j["name"] for j in json.loads(listed.stdout)] == ["etl-daily"]
    assert stoker("audit", "list", daemon=daemon, token="ci-tok").returncode == 5
    audit = stoker("audit", "list", "--action", "run.start", "-o", "json", daemon=daemon)
    assert audit.returncode == 0, audit
    entries = [(e["principal"], e["target"], e["outcome"]) for e in json.loads(audit.stdout)]
    assert entries == [("ci", "billing", "AccessDenied"), ("ci", "etl-daily", "ok"),
                       ("dash", "etl-daily", "AccessDenied")]  # fmt: skip
    created = json.loads(stoker("audit", "list", "--action", "job.create", "-o", "json",
                                daemon=daemon).stdout)  # fmt: skip
    assert {(e["principal"], e["target"]) for e in created} == {
        ("tokens[0]", "etl-daily"), ("tokens[0]", "billing")}  # fmt: skip
    assert "dash-tok" not in daemon.log() and "ci-tok" not in daemon.log()
