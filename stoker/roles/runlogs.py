"""A job's security configuration applied to its runs: run logs sealed when a run ends.

A run writes its stdout and stderr itself (its process holds the files), so the logs are
plaintext (mode 0600, in the daemon's private directory) while the run lasts and are
sealed in place, as one AES-256-GCM envelope each, as soon as the attempt has ended,
before its end is recorded: a terminal run's logs are read through ``read`` only. The
envelope is bound to its run and stream, so one run's log cannot stand in for another's.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from stoker.domain.security_configs import SecurityConfiguration
from stoker.security.keyring import MAGIC, KeyRing, envelope_key_id, is_envelope
from stoker.store.security_configs import SecurityConfigStore

log = logging.getLogger(__name__)
_STREAMS = ("stdout", "stderr")
#: Enough of a file to hold an envelope's header (magic, id length, id of ≤ 64 bytes).
_HEADER = len(MAGIC) + 1 + 64


def _aad(run_id: str, stream: str) -> bytes:
    return f"run-log:{run_id}:{stream}".encode()


def _head(path: Path) -> bytes:
    with path.open("rb") as fh:
        return fh.read(_HEADER)


class RunSecurity:
    """Blocking calls (the run service makes them through its thread boundary)."""

    #: What the key service calls these files (stoker.roles.keys.Sealed).
    name = "run logs"

    def __init__(self, store: SecurityConfigStore, ring: KeyRing, logs_dir: Path) -> None:
        self._store = store
        self._ring = ring
        self._runs_dir = logs_dir / "runs"

    def config_for(self, name: str | None) -> SecurityConfiguration | None:
        """The job's configuration; NotFound when it names one that does not exist."""
        return None if name is None else self._store.get(name)

    def seal_logs(self, run_id: str) -> int:
        """Seal the run's logs that are not sealed yet; how many were."""
        sealed = 0
        for stream in _STREAMS:
            path = self._runs_dir / run_id / f"{stream}.log"
            if path.exists() and not is_envelope(_head(path)):
                self._write(path, self._ring.encrypt(path.read_bytes(), _aad(run_id, stream)))
                sealed += 1
        log.info("run logs sealed", extra={"action": "run.logs_sealed", "run_id": run_id,
                                           "files": sealed})  # fmt: skip
        return sealed

    def read(self, run_id: str, stream: str, config: str | None) -> bytes | None:
        """The run's log decrypted; None when it is not sealed (read it as a file).
        DecryptionFailed names the run, the stream and the job's configuration."""
        path = self._runs_dir / run_id / f"{stream}.log"
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        if not is_envelope(data):
            return None
        what = f"the {stream} log of run {run_id} (security configuration {config!r})"
        return self._ring.decrypt(data, _aad(run_id, stream), what)

    def _files(self) -> list[tuple[str, str, Path]]:
        found = []
        for stream in _STREAMS:
            for path in self._runs_dir.glob(f"*/{stream}.log"):
                found.append((path.parent.name, stream, path))
        return found

    def reencrypt(self) -> int:
        rewritten = 0
        for run_id, stream, path in self._files():
            data = path.read_bytes()
            key_id = envelope_key_id(data)
            if key_id is None or key_id == self._ring.primary:
                continue
            what = f"the {stream} log of run {run_id}"
            plain = self._ring.decrypt(data, _aad(run_id, stream), what)
            self._write(path, self._ring.encrypt(plain, _aad(run_id, stream)))
            rewritten += 1
        return rewritten

    def key_ids(self) -> set[str]:
        found = set()
        for _, _, path in self._files():
            key_id = envelope_key_id(_head(path))
            if key_id is not None:
                found.add(key_id)
        return found

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        """Atomically, 0600: a reader sees the old file or the whole envelope."""
        tmp = path.with_name(path.name + ".sealing")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        tmp.replace(path)
