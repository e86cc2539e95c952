"""Glue's ``s3://bucket/key`` script locations, read through ``[glue] s3_buckets``.

Glue keeps a job's script in S3. stoker reads it where the operator mapped the bucket (a
local directory, as the runs' own ``s3://`` paths are) when the job is defined, and keeps
a copy in its script store: runs execute that copy, so a changed object is picked up by
the next CreateJob/UpdateJob (or PUT /jobs), never half-way through a run.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from urllib.parse import unquote, urlsplit

from stoker.domain.limits import MAX_SCRIPT_BYTES
from stoker.errors import InvalidInput

FIELD = "command.script_location"
S3_SCHEMES = ("s3", "s3a", "s3n")


def is_s3(location: str) -> bool:
    return urlsplit(location).scheme in S3_SCHEMES


def mapped_path(location: str, s3_buckets: Mapping[str, str]) -> Path:
    """The local file an ``s3://bucket/key`` names; InvalidInput when its bucket is not
    mapped, is mapped to a remote filesystem, or the key is not a file name."""
    parts = urlsplit(location)
    key = unquote(parts.path).lstrip("/")
    target = s3_buckets.get(parts.netloc)
    if target is None:
        mapped = ", ".join(sorted(s3_buckets)) or "none"
        raise InvalidInput(
            f"{FIELD} {location[:300]}: bucket {parts.netloc[:63]!r} is not in [glue] "
            f"s3_buckets (mapped: {mapped}); map it to the directory that holds its objects",
            field=FIELD, value=location,
        )  # fmt: skip
    root = urlsplit(target)
    if root.scheme not in ("", "file"):
        raise InvalidInput(
            f"{FIELD} {location[:300]}: bucket {parts.netloc!r} is mapped to {target[:200]}, "
            "which the daemon cannot read scripts from; map it to a local directory",
            field=FIELD, value=location,
        )  # fmt: skip
    base = Path(root.path if root.scheme else target).resolve()
    path = (base / key).resolve()
    if not key or key.endswith("/") or not path.is_relative_to(base):
        raise InvalidInput(f"{FIELD} {location[:300]} does not name an object of the bucket",
                           field=FIELD, value=location)  # fmt: skip
    return path


def read_s3_script(location: str, s3_buckets: Mapping[str, str]) -> str:
    """The script's text at ``location``, read through the bucket mapping."""
    path = mapped_path(location, s3_buckets)
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_SCRIPT_BYTES + 1)
    except OSError as exc:
        raise InvalidInput(
            f"{FIELD} {location[:300]} cannot be read (at {path}): {exc.strerror}",
            field=FIELD, value=location,
        ) from None  # fmt: skip
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput(f"{FIELD} {location[:300]} is not UTF-8 text", field=FIELD,
                           value=location) from None  # fmt: skip
