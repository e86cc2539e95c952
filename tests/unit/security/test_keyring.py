"""The key ring: envelopes that name their key, rotation that keeps old data readable,
retirement, and clear errors for a missing or wrong key and a key file others may read."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

import pytest
from pydantic import SecretStr

from stoker.config.security import SecuritySettings
from stoker.errors import ConfigError, DecryptionFailed, InvalidInput
from stoker.security.keyring import envelope_key_id, load_keyring, parse_ring


def ring_json(**keys: bytes) -> str:
    primary = next(iter(keys))
    return json.dumps({"primary": primary,
                       "keys": {k: base64.b64encode(v).decode() for k, v in keys.items()}})


def test_the_first_start_generates_a_private_key_file(tmp_path: Path) -> None:
    ring = load_keyring(SecuritySettings(), tmp_path / "data")
    path = tmp_path / "data" / "keyring.json"
    assert ring.path == path and os.stat(path).st_mode & 0o777 == 0o600
    sealed = ring.encrypt(b"secret", b"here")
    again = load_keyring(SecuritySettings(), tmp_path / "data")
    assert again.decrypt(sealed, b"here", "x") == b"secret"


def test_envelopes_hold_no_plaintext_and_are_bound_to_their_place(tmp_path: Path) -> None:
    ring = load_keyring(SecuritySettings(), tmp_path)
    sealed = ring.encrypt(b"the password", b"role:a")
    assert b"the password" not in sealed and envelope_key_id(sealed) == "k1"
    with pytest.raises(DecryptionFailed, match="role b's secrets cannot be decrypted with key"):
        ring.decrypt(sealed, b"role:b", "role b's secrets")
    tampered = sealed[:-1] + bytes([sealed[-1] ^ 1])
    with pytest.raises(DecryptionFailed, match="authentication failed"):
        ring.decrypt(tampered, b"role:a", "x")
    with pytest.raises(DecryptionFailed, match="x is not encrypted data"):
        ring.decrypt(b"plain text", b"role:a", "x")


def test_rotation_keeps_old_data_readable_and_retire_drops_the_old_key(tmp_path: Path) -> None:
    ring = load_keyring(SecuritySettings(), tmp_path)
    old = ring.encrypt(b"old", b"")
    assert ring.rotate() == "k2" and ring.primary == "k2"
    new = ring.encrypt(b"new", b"")
    assert envelope_key_id(new) == "k2" and ring.decrypt(old, b"", "old") == b"old"
    reread = load_keyring(SecuritySettings(), tmp_path)
    assert reread.primary == "k2" and reread.decrypt(old, b"", "old") == b"old"
    with pytest.raises(InvalidInput, match="primary key"):
        ring.retire(["k2"])
    ring.retire(["k1"])
    assert load_keyring(SecuritySettings(), tmp_path).key_ids() == ["k2"]
    with pytest.raises(DecryptionFailed, match="key 'k1', which is not in the key ring"):
        load_keyring(SecuritySettings(), tmp_path).decrypt(old, b"", "the old thing")
    assert os.stat(tmp_path / "keyring.json").st_mode & 0o777 == 0o600


def test_a_key_file_others_may_read_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    path.write_text(ring_json(a=b"\1" * 32))
    path.chmod(0o644)
    with pytest.raises(ConfigError, match=r"mode 0644: it must be readable by its owner only"):
        load_keyring(SecuritySettings(key_file=path), tmp_path)
    path.chmod(0o600)
    assert load_keyring(SecuritySettings(key_file=path), tmp_path).primary == "a"
    with pytest.raises(ConfigError, match="does not exist"):
        load_keyring(SecuritySettings(key_file=tmp_path / "gone.json"), tmp_path)


def test_keys_from_the_environment_cannot_be_rotated_here(tmp_path: Path) -> None:
    ring = load_keyring(SecuritySettings(keys=SecretStr(ring_json(env1=b"\2" * 32))), tmp_path)
    assert ring.primary == "env1" and ring.path is None
    with pytest.raises(InvalidInput, match="STOKER_SECURITY__KEYS"):
        ring.rotate()
    assert not (tmp_path / "keyring.json").exists()


@pytest.mark.parametrize(("text", "error"), [
    ("not json", "is not JSON"),
    ('{"keys": {}}', "needs"),
    (ring_json(a=b"short"), "must be 32 bytes"),
    (ring_json(**{"Bad Id": b"\0" * 32}), "must be 1-64"),
    ('{"primary": "b", "keys": {"a": "' + base64.b64encode(b"\0" * 32).decode() + '"}}',
     "names none of its keys"),
])  # fmt: skip
def test_a_bad_key_ring_is_a_clear_error(text: str, error: str) -> None:
    with pytest.raises(ConfigError, match=error):
        parse_ring(text, "key file k.json", None)
