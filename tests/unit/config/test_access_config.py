"""Roles in the configuration: api.tokens entries and glue_api.access_keys values are a
bare secret (an unlimited admin) or a table with a role and job limits; a bad entry is a
ConfigError naming its field, never echoing a secret."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from stoker.config.access import TokenGrant, grant_of, key_secret, token_name, token_secret
from stoker.config.settings import load_settings, masked_dump
from stoker.errors import ConfigError

SECRET = "s3cret-token-value"
KEY = "AKIASTOKERTESTKEY1"
CI_TOKEN = (
    f'{{ name = "ci", token = "ci-{SECRET}", role = "operator", jobs = ["etl-*"], '
    'tags = ["team=data"] }'
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("STOKER_"):
            monkeypatch.delenv(name)


def test_bare_and_table_tokens_and_keys(tmp_path: Path) -> None:
    cfg = load_settings(_write(tmp_path, f"""
[api]
tokens = ["{SECRET}", {CI_TOKEN}]
[glue_api]
enabled = true
[glue_api.access_keys]
{KEY} = "{SECRET}"
AKIASTOKERVIEWER01 = {{ secret = "v-{SECRET}", role = "viewer", jobs = ["nightly"] }}
"""))  # fmt: skip
    bare, table = cfg.api.tokens
    assert token_name(bare, 0) == "tokens[0]" and grant_of(bare).role == "admin"
    assert not grant_of(bare).limited
    assert isinstance(table, TokenGrant) and token_name(table, 1) == "ci"
    assert token_secret(table).get_secret_value() == f"ci-{SECRET}"
    assert (table.role, table.jobs, table.tags) == ("operator", ["etl-*"], ["team=data"])
    keys = cfg.glue_api.access_keys
    assert grant_of(keys[KEY]).role == "admin"
    viewer = keys["AKIASTOKERVIEWER01"]
    assert key_secret(viewer).get_secret_value() == f"v-{SECRET}"
    assert (grant_of(viewer).role, grant_of(viewer).jobs) == ("viewer", ["nightly"])
    shown = str(masked_dump(cfg))
    assert SECRET not in shown


def _write(tmp_path: Path, toml: str) -> Path:
    path = tmp_path / "stoker.toml"
    path.write_text(toml)
    return path


@pytest.mark.parametrize(
    ("toml", "named"),
    [
        (f'[api]\ntokens = [{{ name = "ci", token = "{SECRET}", role = "root" }}]\n', "role"),
        (f'[api]\ntokens = [{{ name = "c i", token = "{SECRET}" }}]\n', "name"),
        (f'[api]\ntokens = [{{ token = "{SECRET}" }}]\n', "name"),
        ('[api]\ntokens = [{ name = "ci" }]\n', "token"),
        (f'[api]\ntokens = [{{ name = "ci", token = "{SECRET}", jobs = [""] }}]\n', "jobs"),
        (f'[api]\ntokens = [{{ name = "ci", token = "{SECRET}", tags = ["=x"] }}]\n', "tags"),
        (f'[api]\ntokens = [{{ name = "ci", token = "{SECRET}", rol = "viewer" }}]\n', "rol"),
        (
            f'[api]\ntokens = [{{ name = "a", token = "{SECRET}" }}, '
            f'{{ name = "a", token = "x{SECRET}" }}]\n',
            "two tokens are named 'a'",
        ),
        (f'[glue_api.access_keys]\n{KEY} = {{ secret = "{SECRET}", role = "boss" }}\n', "role"),
        (f'[glue_api.access_keys]\n{KEY} = {{ role = "viewer" }}\n', "secret"),
    ],
)
def test_a_bad_entry_is_a_config_error_naming_the_field(tmp_path: Path, toml: str,
                                                        named: str) -> None:  # fmt: skip
    with pytest.raises(ConfigError) as caught:
        load_settings(_write(tmp_path, toml))
    message = caught.value.message
    assert named in message, message
    assert ("api.tokens" in message) or ("glue_api.access_keys" in message), message
    assert SECRET not in message
