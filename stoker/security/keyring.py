"""The key ring: AES-256-GCM keys by id, one of them primary, and the envelopes they seal.

An envelope is ``STK1``, the key id's length (one byte), the key id, a 12-byte random
nonce, then the ciphertext with its 16-byte tag. The key id travels with the data, so
after a rotation old envelopes still name the key that opens them; the associated data
(``aad``) binds an envelope to where it belongs (a role's name, a run's log), so one
cannot be moved in place of another. The ring lives in a JSON file of mode 0600 or in
``[security] keys``; nothing else ever holds key material.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import os
import secrets
import stat
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from stoker.config.security import SecuritySettings
from stoker.errors import ConfigError, DecryptionFailed, InvalidInput

log = logging.getLogger(__name__)

MAGIC = b"STK1"
NONCE_BYTES = 12
KEY_BYTES = 32
DEFAULT_FILE = "keyring.json"
_KEY_ID_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-_")


def is_envelope(data: bytes) -> bool:
    return data.startswith(MAGIC)


def envelope_key_id(data: bytes) -> str | None:
    """The id of the key that sealed ``data``; None when it is no envelope."""
    if not is_envelope(data) or len(data) < len(MAGIC) + 1:
        return None
    size = data[len(MAGIC)]
    raw = data[len(MAGIC) + 1 : len(MAGIC) + 1 + size]
    return raw.decode("ascii", errors="replace")


class KeyRing:
    """Thread-safe: rotation may happen while runs' logs are being sealed."""

    def __init__(self, keys: Mapping[str, bytes], primary: str, path: Path | None) -> None:
        self._lock = threading.Lock()
        self._keys = dict(keys)
        self._primary = primary
        #: Where rotation writes the ring; None when it came from the environment.
        self.path = path

    @property
    def primary(self) -> str:
        return self._primary

    def key_ids(self) -> list[str]:
        with self._lock:
            return sorted(self._keys)

    def encrypt(self, data: bytes, aad: bytes) -> bytes:
        with self._lock:
            key_id, key = self._primary, self._keys[self._primary]
        nonce = secrets.token_bytes(NONCE_BYTES)
        head = MAGIC + bytes([len(key_id)]) + key_id.encode("ascii")
        return head + nonce + AESGCM(key).encrypt(nonce, data, aad)

    def decrypt(self, data: bytes, aad: bytes, what: str) -> bytes:
        """The plaintext; DecryptionFailed naming ``what`` and the key when it cannot be."""
        key_id = envelope_key_id(data)
        if key_id is None:
            raise DecryptionFailed(f"{what} is not encrypted data stoker wrote")
        start = len(MAGIC) + 1 + len(key_id)
        nonce, sealed = data[start : start + NONCE_BYTES], data[start + NONCE_BYTES :]
        with self._lock:
            key = self._keys.get(key_id)
        if key is None:
            raise DecryptionFailed(
                f"{what} cannot be decrypted: it was encrypted with key {key_id!r}, which "
                f"is not in the key ring (keys: {', '.join(self.key_ids()) or 'none'}); "
                "restore the key file that holds it"
            )
        try:
            return AESGCM(key).decrypt(nonce, sealed, aad)
        except InvalidTag:
            raise DecryptionFailed(
                f"{what} cannot be decrypted with key {key_id!r}: authentication failed "
                "(a different key under the same id, or the data was altered)"
            ) from None

    def encrypt_text(self, text: str, aad: bytes) -> str:
        return base64.b64encode(self.encrypt(text.encode(), aad)).decode("ascii")

    def decrypt_text(self, text: str, aad: bytes, what: str) -> str:
        try:
            data = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raise DecryptionFailed(f"{what} is not encrypted data stoker wrote") from None
        return self.decrypt(data, aad, what).decode()

    def rotate(self) -> str:
        """A new primary key (old ones stay, to read old data); the ring file rewritten."""
        self._writable("rotate")
        with self._lock:
            key_id = _new_id(self._keys)
            keys = {**self._keys, key_id: secrets.token_bytes(KEY_BYTES)}
            _write(self._path(), keys, key_id)
            self._keys, self._primary = keys, key_id
        log.info("key ring rotated", extra={"action": "keys.rotated", "key_id": key_id})
        return key_id

    def retire(self, key_ids: list[str]) -> None:
        """Drop keys no data uses any more (the caller re-encrypted it first)."""
        self._writable("retire keys")
        with self._lock:
            if self._primary in key_ids:
                raise InvalidInput(f"key {self._primary!r} is the primary key; rotate first",
                                   field="key_id")  # fmt: skip
            keys = {k: v for k, v in self._keys.items() if k not in key_ids}
            _write(self._path(), keys, self._primary)
            self._keys = keys
        log.info("keys retired", extra={"action": "keys.retired", "key_ids": key_ids})

    def _writable(self, doing: str) -> None:
        if self.path is None:
            raise InvalidInput(
                f"cannot {doing}: the key ring comes from [security] keys "
                "(STOKER_SECURITY__KEYS); change it there and restart the daemon",
                field="security.keys",
            )

    def _path(self) -> Path:
        assert self.path is not None
        return self.path


def _new_id(existing: Mapping[str, bytes]) -> str:
    number = len(existing) + 1
    while f"k{number}" in existing:
        number += 1
    return f"k{number}"


def _write(path: Path, keys: Mapping[str, bytes], primary: str) -> None:
    """Atomically, mode 0600 from the first byte (never a moment readable by others)."""
    body = {"primary": primary, "keys": {k: base64.b64encode(v).decode() for k, v in keys.items()}}
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        os.fchmod(fh.fileno(), 0o600)
        json.dump(body, fh, indent=2)
        fh.flush()
        os.fsync(fh.fileno())
    tmp.replace(path)


def parse_ring(text: str, where: str, path: Path | None) -> KeyRing:
    """The ring a key file (or ``[security] keys``) holds; ConfigError saying what is wrong."""
    try:
        data: Any = json.loads(text)
    except ValueError as exc:
        raise ConfigError(f"{where} is not JSON: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("keys"), dict) or not data["keys"]:
        raise ConfigError(f'{where} needs {{"primary": "<id>", "keys": {{"<id>": "<base64>"}}}}')
    keys: dict[str, bytes] = {}
    for key_id, value in data["keys"].items():
        if not (0 < len(key_id) <= 64 and set(key_id) <= _KEY_ID_CHARS):
            raise ConfigError(f"{where}: key id {key_id[:70]!r} must be 1-64 of a-z, 0-9, '-', '_'")
        try:
            key = base64.b64decode(value, validate=True) if isinstance(value, str) else b""
        except (binascii.Error, ValueError):
            key = b""
        if len(key) != KEY_BYTES:
            raise ConfigError(f"{where}: key {key_id!r} must be {KEY_BYTES} bytes in base64 "
                              "(AES-256)")  # fmt: skip
        keys[key_id] = key
    primary = data.get("primary")
    if primary not in keys:
        raise ConfigError(f"{where}: primary {primary!r} names none of its keys "
                          f"({', '.join(sorted(keys))})")  # fmt: skip
    return KeyRing(keys, primary, path)


def load_keyring(settings: SecuritySettings, data_dir: Path) -> KeyRing:
    """The daemon's ring: ``[security] keys``, else the key file (generated at the first
    start when it is the default one in the data directory)."""
    if settings.keys is not None:
        return parse_ring(settings.keys.get_secret_value(), "[security] keys", None)
    path = settings.key_file or data_dir / DEFAULT_FILE
    if not path.exists():
        if settings.key_file is not None:
            raise ConfigError(f"[security] key_file {path} does not exist")
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        _write(path, {"k1": secrets.token_bytes(KEY_BYTES)}, "k1")
        log.warning(
            "no key ring was configured: generated %s (mode 0600); back it up, stoker's "
            "encrypted secrets cannot be read without it", path,
            extra={"action": "keys.generated", "path": str(path)},
        )  # fmt: skip
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise ConfigError(
            f"key file {path} has mode {mode:04o}: it must be readable by its owner only "
            f"(chmod 600 {path})"
        )
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"key file {path} cannot be read: {exc.strerror}") from None
    return parse_ring(text, f"key file {path}", path)
