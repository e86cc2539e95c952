"""Roles' rules: validation naming the field, the mask, keeping masked values on update."""

from __future__ import annotations

import pytest

from stoker.domain.roles import JdbcCredential, Role, glue_role_name, keep_masked, validate_role
from stoker.errors import InvalidInput

ROLE = Role(
    name="etl", jdbc={"pg": JdbcCredential("jdbc:postgresql://u:pw@db/sales", "etl", "s3cret")},
    hadoop_conf={"spark.hadoop.fs.s3a.secret.key": "SK"}, env={"TOKEN": "t0k"},
)  # fmt: skip


def test_masked_shows_names_only() -> None:
    shown = validate_role(ROLE).masked()
    assert shown.jdbc["pg"] == JdbcCredential("jdbc:postgresql://u:****@db/sales", "etl", "****")
    assert shown.hadoop_conf == {"fs.s3a.secret.key": "****"}
    assert shown.env == {"TOKEN": "****"}
    assert "s3cret" not in repr(ROLE) and "SK" not in repr(ROLE) and "t0k" not in repr(ROLE)


def test_values_sent_back_masked_keep_the_stored_ones() -> None:
    stored = validate_role(ROLE)
    incoming = Role(name="etl", jdbc=stored.masked().jdbc,
                    hadoop_conf={"fs.s3a.secret.key": "****", "fs.s3a.endpoint": "http://x"},
                    env={"TOKEN": "new"})  # fmt: skip
    kept = keep_masked(incoming, stored)
    assert kept.jdbc["pg"] == stored.jdbc["pg"]
    assert kept.hadoop_conf == {"fs.s3a.secret.key": "SK", "fs.s3a.endpoint": "http://x"}
    assert kept.env == {"TOKEN": "new"}
    with pytest.raises(InvalidInput, match=r"env.OTHER is '\*\*\*\*'") as caught:
        keep_masked(Role(name="etl", env={"OTHER": "****"}), stored)
    assert caught.value.field == "env.OTHER"


@pytest.mark.parametrize(("role", "field"), [
    (Role(name="-bad"), "name"),
    (Role(name="r", env={"AWS_SECRET_ACCESS_KEY": "x"}), "env.AWS_SECRET_ACCESS_KEY"),
    (Role(name="r", env={"STOKER_ROLE": "x"}), "env.STOKER_ROLE"),
    (Role(name="r", env={"1X": "x"}), "env"),
    (Role(name="r", jdbc={"pg": JdbcCredential("postgresql://db")}), "jdbc.pg.url"),
    (Role(name="r", hadoop_conf={"fs.a": "1", "spark.hadoop.fs.a": "2"}), "hadoop_conf"),
])  # fmt: skip
def test_a_bad_role_names_its_field(role: Role, field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        validate_role(role)
    assert caught.value.field == field


def test_glue_role_arns_name_their_last_part() -> None:
    assert glue_role_name("arn:aws:iam::123456789012:role/service/etl") == "etl"
    assert glue_role_name("etl") == "etl"
