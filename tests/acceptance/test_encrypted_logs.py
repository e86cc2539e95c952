"""A job with a security configuration that encrypts run logs: the bytes on disk hold
none of what the run printed, `stoker runs logs` and the API read it back, a key rotation
keeps the old runs readable (and re-encryption moves them to the new key), and a daemon
with the wrong key answers a clear error naming the configuration instead of garbage."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable

from stoker.security.keyring import envelope_key_id
from tests.acceptance.conftest import PYSHELL, ok, ok_json, stoker
from tests.support.daemon import DaemonProcess

SCRIPT = "import sys\nprint(sys.argv[sys.argv.index('--marker') + 1])\n" \
         "print('err', sys.argv[sys.argv.index('--marker') + 1], file=sys.stderr)\n"


def run_job(daemon: DaemonProcess, job: str, marker: str) -> str:
    run_id = daemon.start_run(job, arguments={"--marker": marker})["id"]
    assert daemon.wait_state(run_id, timeout=120)["state"] == "SUCCEEDED", daemon.log()
    return run_id


def test_sealed_logs_read_back_survive_rotation_and_name_the_configuration(
    start_daemon: Callable[..., DaemonProcess],
) -> None:
    daemon = start_daemon(pool_size=0)
    created = ok_json(stoker("security-configurations", "create", "sealed", "--run-logs",
                             "-o", "json", daemon=daemon))  # fmt: skip
    assert created["run_logs"] is True
    daemon.create_job("enc", SCRIPT, command=PYSHELL, security_configuration="sealed")
    daemon.create_job("plain", SCRIPT, command=PYSHELL)
    runs_dir = daemon.workdir / "data" / "logs" / "runs"
    first_marker = f"First-{uuid.uuid4().hex}"
    first = run_job(daemon, "enc", first_marker)
    for stream in ("stdout", "stderr"):
        raw = (runs_dir / first / f"{stream}.log").read_bytes()
        assert first_marker.encode() not in raw and envelope_key_id(raw) == "k1"
    assert first_marker in daemon.logs(first) and first_marker in daemon.logs(first, "stderr")
    assert first_marker in ok(stoker("runs", "logs", first, daemon=daemon))
    plain = run_job(daemon, "plain", "PlainText")
    assert b"PlainText" in (runs_dir / plain / "stdout.log").read_bytes()

    assert ok_json(stoker("keys", "rotate", "-o", "json", daemon=daemon)) == {"key_id": "k2"}
    second_marker = f"Second-{uuid.uuid4().hex}"
    second = run_job(daemon, "enc", second_marker)
    assert envelope_key_id((runs_dir / second / "stdout.log").read_bytes()) == "k2"
    assert first_marker in daemon.logs(first) and second_marker in daemon.logs(second)
    listed = ok(stoker("keys", "list", daemon=daemon))
    assert "run logs" in listed and "k1" in listed
    done = ok_json(stoker("keys", "reencrypt", "-o", "json", daemon=daemon))
    assert done == {"rewritten": {"roles": 0, "run logs": 2}, "retired": ["k1"]}
    assert envelope_key_id((runs_dir / first / "stderr.log").read_bytes()) == "k2"
    assert first_marker in ok(stoker("runs", "logs", first, "--stderr", daemon=daemon))
    daemon.stop()

    wrong = json.dumps({"primary": "k2", "keys": {"k2": base64.b64encode(b"\1" * 32).decode()}})
    again = start_daemon(env={"STOKER_SECURITY__KEYS": wrong, "STOKER_SPARK__POOL_SIZE": "0"})
    refused = again.http.get(f"/runs/{second}/logs")
    assert refused.status_code == 500
    message = refused.json()["message"]
    assert f"the stdout log of run {second} (security configuration 'sealed')" in message
    assert "authentication failed" in message and second_marker not in refused.text
    failed = stoker("runs", "logs", second, daemon=again)
    assert failed.returncode != 0 and "security configuration 'sealed'" in failed.stderr
    assert again.http.get("/health").status_code == 200
    assert "PlainText" in again.logs(plain)


def test_a_missing_role_or_configuration_ends_the_run_at_launch_saying_so(
    start_daemon: Callable[..., DaemonProcess],
) -> None:
    daemon = start_daemon(pool_size=0)
    daemon.create_job("no-config", SCRIPT, command=PYSHELL, security_configuration="gone")
    daemon.create_job("no-role", SCRIPT, command=PYSHELL, role="nobody")
    for job, expected in (("no-config", "security configuration 'gone' does not exist"),
                          ("no-role", "role 'nobody' does not exist")):  # fmt: skip
        run_id = daemon.start_run(job, arguments={"--marker": "m"})["id"]
        ended = daemon.wait_state(run_id, timeout=60)
        assert ended["state"] == "ERROR" and expected in ended["error_message"], ended
        assert not (daemon.workdir / "data" / "logs" / "runs" / run_id / "stdout.log").exists()
