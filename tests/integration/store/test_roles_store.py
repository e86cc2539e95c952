"""Role rows on SQLite and PostgreSQL: secrets sealed at rest, readable after rotation,
rewritten by re-encryption, and a clear error naming the role under a wrong key."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from pydantic import SecretStr

from stoker.config.security import SecuritySettings
from stoker.domain.roles import JdbcCredential, Role
from stoker.errors import DecryptionFailed
from stoker.security.keyring import load_keyring
from stoker.store.engine import Database
from stoker.store.roles import RoleStore

T0 = datetime(2026, 12, 3, tzinfo=UTC)
ROLE = Role(name="etl", jdbc={"pg": JdbcCredential("jdbc:postgresql://db/s", "u", "PgS3cret")},
            hadoop_conf={"fs.s3a.secret.key": "S3S3cret"}, env={"K": "EnvS3cret"})  # fmt: skip


def raw_rows(db: Database) -> str:
    with db.engine.connect() as conn:
        return repr(conn.execute(sa.text("SELECT * FROM roles")).all())


def test_secrets_are_sealed_at_rest_and_survive_rotation(db: Database, tmp_path: Path) -> None:
    ring = load_keyring(SecuritySettings(), tmp_path)
    store = RoleStore(db, ring)
    store.create(ROLE, T0)
    at_rest = raw_rows(db)
    assert "etl" in at_rest and not [s for s in ("PgS3cret", "S3S3cret", "EnvS3cret")
                                     if s in at_rest]  # fmt: skip
    ring.rotate()
    assert store.get("etl").jdbc["pg"].password == "PgS3cret"
    assert store.key_ids() == {"k1"}
    assert store.reencrypt() == 1 and store.key_ids() == {"k2"}
    assert store.get("etl").env == {"K": "EnvS3cret"}


def test_a_wrong_key_names_the_role(db: Database, tmp_path: Path) -> None:
    RoleStore(db, load_keyring(SecuritySettings(), tmp_path)).create(ROLE, T0)
    other = json.dumps({"primary": "k1", "keys": {"k1": base64.b64encode(b"\7" * 32).decode()}})
    wrong = RoleStore(db, load_keyring(SecuritySettings(keys=SecretStr(other)), tmp_path))
    with pytest.raises(DecryptionFailed, match="the secrets of role 'etl' cannot be decrypted"):
        wrong.get("etl")
