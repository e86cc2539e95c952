"""Security configurations (Glue's CreateSecurityConfiguration): what stoker encrypts at
rest for the runs of the jobs that name one.

Glue's shape maps on stoker's stores: ``CloudWatchEncryption`` (Glue's run logs) is
``run_logs``, ``JobBookmarksEncryption`` is ``job_bookmarks``; ``S3Encryption`` is about
the data a job writes to S3, which its script writes, so stoker keeps it as given and
enforces nothing of it. Encryption uses the daemon's key ring (AES-256-GCM), not KMS.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from stoker.domain.limits import quote
from stoker.errors import InvalidInput

CONFIG_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,254}")


@dataclass(frozen=True)
class SecurityConfiguration:
    name: str
    #: The runs' stdout and stderr logs, sealed when the run ends.
    run_logs: bool = False
    #: The job's bookmark state (not yet enforced: see docs/security.md).
    job_bookmarks: bool = False
    #: Glue's S3Encryption mode, kept as given (the script writes S3 data, not stoker).
    s3_encryption: str = "DISABLED"
    created_on: datetime | None = None

    def settings(self) -> dict[str, Any]:
        return {"run_logs": self.run_logs, "job_bookmarks": self.job_bookmarks,
                "s3_encryption": self.s3_encryption}  # fmt: skip


def config_name(value: Any, field: str = "name") -> str:
    if not isinstance(value, str) or not CONFIG_NAME.fullmatch(value):
        raise InvalidInput(
            f"security configuration name {quote(value)} is invalid: 1-255 letters, digits, "
            "'_', '.', '-', starting with a letter or digit",
            field=field, value=value if isinstance(value, str) else None,
        )  # fmt: skip
    return value


def validate_config(config: SecurityConfiguration) -> SecurityConfiguration:
    config_name(config.name)
    for field in ("run_logs", "job_bookmarks"):
        if not isinstance(getattr(config, field), bool):
            raise InvalidInput(f"{field} must be true or false", field=field)
    if config.job_bookmarks:
        raise InvalidInput(
            "job_bookmarks encryption is not supported yet: leave it false (run_logs is)",
            field="job_bookmarks",
        )
    if config.s3_encryption not in ("DISABLED", "SSE-S3", "SSE-KMS"):
        raise InvalidInput(f"s3_encryption {quote(config.s3_encryption)} is not one of "
                           "DISABLED, SSE-S3, SSE-KMS", field="s3_encryption")  # fmt: skip
    return config
