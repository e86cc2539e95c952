"""Glue's security configuration operations: CreateSecurityConfiguration,
GetSecurityConfiguration, GetSecurityConfigurations, DeleteSecurityConfiguration.

``CloudWatchEncryption`` (Glue's run logs) maps to stoker's ``run_logs``: any mode but
DISABLED seals the runs' logs with the daemon's key ring (KMS key ARNs are kept out:
stoker has no KMS). ``JobBookmarksEncryption`` other than DISABLED is refused (not
supported yet); ``S3Encryption`` is kept as given.
"""

from __future__ import annotations

from typing import Any

from stoker.api.glue.errors import invalid
from stoker.api.glue.jobs_shapes import compact, epoch
from stoker.api.glue.members import Members
from stoker.api.glue.operations import Handler, page_size
from stoker.api.paging import decode_str_token, encode_token
from stoker.api.ports import ApiServices
from stoker.domain.security_configs import SecurityConfiguration

_S3_MODES = ("DISABLED", "SSE-S3", "SSE-KMS")


def _mode(members: Members | None, name: str, allowed: tuple[str, ...]) -> str:
    if members is None:
        return "DISABLED"
    mode = members.string(name) or "DISABLED"
    if mode not in allowed:
        raise invalid(f"{name} {mode[:40]!r} is not one of {', '.join(allowed)}")
    return mode


def config_member(config: SecurityConfiguration) -> dict[str, Any]:
    return compact({
        "Name": config.name, "CreatedTimeStamp": epoch(config.created_on),
        "EncryptionConfiguration": {
            "S3Encryption": [{"S3EncryptionMode": config.s3_encryption}],
            "CloudWatchEncryption": {
                "CloudWatchEncryptionMode": "SSE-KMS" if config.run_logs else "DISABLED"},
            "JobBookmarksEncryption": {"JobBookmarksEncryptionMode": "DISABLED"},
        },
    })  # fmt: skip


async def create_config(services: ApiServices, members: Members) -> dict[str, Any]:
    name = members.required_string("Name")
    encryption = members.structure("EncryptionConfiguration", required=True)
    assert encryption is not None
    s3 = encryption.structures("S3Encryption")
    logs = _mode(encryption.structure("CloudWatchEncryption"), "CloudWatchEncryptionMode",
                 ("DISABLED", "SSE-KMS"))  # fmt: skip
    bookmarks = _mode(encryption.structure("JobBookmarksEncryption"),
                      "JobBookmarksEncryptionMode", ("DISABLED", "CSE-KMS"))  # fmt: skip
    config = SecurityConfiguration(
        name=name, run_logs=logs != "DISABLED", job_bookmarks=bookmarks != "DISABLED",
        s3_encryption=_mode(s3[0] if s3 else None, "S3EncryptionMode", _S3_MODES),
    )  # fmt: skip
    created = await services.security_configurations.create(config)
    return {"Name": created.name, "CreatedTimestamp": epoch(created.created_on)}


async def get_config(services: ApiServices, members: Members) -> dict[str, Any]:
    found = await services.security_configurations.get(members.required_string("Name"))
    return {"SecurityConfiguration": config_member(found)}


async def get_configs(services: ApiServices, members: Members) -> dict[str, Any]:
    limit = page_size(members, 100, 1000)
    after = decode_str_token(members.string("NextToken", max_len=2048), "glue-security")
    found = await services.security_configurations.list_configs(limit + 1, after)
    page = found[:limit]
    body: dict[str, Any] = {"SecurityConfigurations": [config_member(c) for c in page]}
    if len(found) > limit:
        body["NextToken"] = encode_token("glue-security", page[-1].name)
    return body


async def delete_config(services: ApiServices, members: Members) -> dict[str, Any]:
    await services.security_configurations.delete(members.required_string("Name"))
    return {}


OPERATIONS: dict[str, Handler] = {
    "CreateSecurityConfiguration": create_config,
    "GetSecurityConfiguration": get_config,
    "GetSecurityConfigurations": get_configs,
    "DeleteSecurityConfiguration": delete_config,
}
