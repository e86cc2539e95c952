"""The `[security]` settings: where the key ring that encrypts stoker's secrets is."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, SecretStr


class SecuritySettings(BaseModel):
    """Encryption at rest: role secrets, and what security configurations encrypt."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    key_file: Path | None = Field(
        default=None,
        description="The key ring: a JSON file of mode 0600 (a looser mode is refused) "
        '`{"primary": "<id>", "keys": {"<id>": "<base64 of 32 bytes>"}}`, written by '
        "`stoker keys rotate`. Unset (and no `keys`): `<data_dir>/keyring.json`, generated "
        "with one new key at the first start.",
    )
    keys: SecretStr | None = Field(
        default=None,
        description="The key ring itself, in the key file's JSON form, instead of a file "
        "(e.g. `STOKER_SECURITY__KEYS` from a secret store). Rotation then means editing it "
        "and restarting: `stoker keys rotate` can only write a key file.",
    )
