"""The secret vocabulary (stoker.masking): secret-looking keys, credentials inside values,
and masked values sent back by clients (issue 10)."""

from __future__ import annotations

import pytest

from stoker.api.secrets import refuse_mask, unmask
from stoker.domain.arguments import mask_arguments
from stoker.errors import InvalidInput
from stoker.masking import MASK, is_masked, is_secret_key, mask_credentials


@pytest.mark.parametrize(
    "key",
    [
        "--password", "--db_password", "--pwd", "--pw", "DB_PWD", "dbPwd", "--ssh_key",
        "--sshKey", "--ssh-key", "fs.s3a.secret.key", "--api_token", "--apiKey",
        "--access-key", "--private_key", "--credentials", "--auth_header", "--passwd",
        "spark.ssl.keyStorePassword",
    ],
)  # fmt: skip
def test_secret_keys(key: str) -> None:
    assert is_secret_key(key)


@pytest.mark.parametrize("key", ["--day", "--pwm", "--upward", "--region", "--path", "--key"])
def test_ordinary_keys(key: str) -> None:
    assert not is_secret_key(key)


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("jdbc:postgresql://h:5432/db?user=a&password=s3&ssl=true",
         "jdbc:postgresql://h:5432/db?user=a&password=****&ssl=true"),
        ("jdbc:mysql://bob:s3cr@h/db", "jdbc:mysql://bob:****@h/db"),
        ("jdbc:sqlserver://h;user=a;password=x;db=y", "jdbc:sqlserver://h;user=a;password=****;db=y"),
        ("Driver={x};Server=h;UID=a;PWD=x", "Driver={x};Server=h;UID=a;PWD=****"),
        ("postgresql://u:p@h/db", "postgresql://u:****@h/db"),
        ("s3://bucket/path/file.csv", "s3://bucket/path/file.csv"),
        ("https://h/x?token=abc&page=2", "https://h/x?token=****&page=2"),
        ("plain text", "plain text"),
    ],
)  # fmt: skip
def test_credentials_inside_values_are_masked(value: str, shown: str) -> None:
    assert mask_credentials(value) == shown
    assert is_masked("--url", shown) is (shown != value)


def test_mask_arguments_masks_keys_and_values() -> None:
    arguments = {"--pw": "x", "--url": "jdbc:mysql://u:x@h/db", "--day": "2024-05-01"}
    assert mask_arguments(arguments) == {
        "--pw": MASK, "--url": "jdbc:mysql://u:****@h/db", "--day": "2024-05-01",
    }  # fmt: skip


def test_values_sent_back_masked_keep_the_stored_secret() -> None:
    stored = {"--pw": "real", "--url": "jdbc:mysql://u:real@h/db", "--day": "1"}
    shown = mask_arguments(stored)
    assert unmask({**shown, "--day": "2"}, stored) == {**stored, "--day": "2"}
    changed = unmask({**shown, "--url": "jdbc:mysql://u:new@h/db"}, stored)
    assert changed["--url"] == "jdbc:mysql://u:new@h/db"


def test_a_mask_with_nothing_stored_behind_it_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        refuse_mask({"--url": "jdbc:mysql://u:****@h/db"}, "default_arguments")
    assert caught.value.field == "default_arguments.--url"
    refuse_mask({"--note": "stars **** in a note"}, "default_arguments")
