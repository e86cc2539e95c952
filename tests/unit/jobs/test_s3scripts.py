"""s3:// script locations read through [glue] s3_buckets: the mapped file's text, and a
clear refusal for an unmapped bucket, a remote mapping, a key that leaves the bucket."""

from __future__ import annotations

from pathlib import Path

import pytest

from stoker.errors import InvalidInput
from stoker.jobs.s3scripts import is_s3, mapped_path, read_s3_script


def test_an_object_of_a_mapped_bucket_is_read(tmp_path: Path) -> None:
    (tmp_path / "etl").mkdir()
    (tmp_path / "etl" / "job.py").write_text("print('hi')\n")
    buckets = {"scripts": str(tmp_path), "other": f"file://{tmp_path}"}
    assert read_s3_script("s3://scripts/etl/job.py", buckets) == "print('hi')\n"
    assert read_s3_script("s3a://other/etl/job.py", buckets) == "print('hi')\n"
    assert is_s3("s3://b/k") and not is_s3("/opt/job.py") and not is_s3("data:,x")


@pytest.mark.parametrize(("location", "says"), [
    ("s3://nope/job.py", "not in [glue] s3_buckets (mapped: remote, scripts)"),
    ("s3://remote/job.py", "cannot read scripts from"),
    ("s3://scripts/../secret.py", "does not name an object"),
    ("s3://scripts/", "does not name an object"),
    ("s3://scripts/missing.py", "cannot be read"),
])  # fmt: skip
def test_a_script_that_cannot_be_read_is_refused_with_the_reason(
    tmp_path: Path, location: str, says: str
) -> None:
    buckets = {"scripts": str(tmp_path / "s"), "remote": "hdfs://nn/lake"}
    (tmp_path / "s").mkdir()
    with pytest.raises(InvalidInput) as refused:
        read_s3_script(location, buckets)
    assert says in refused.value.message
    assert refused.value.field == "command.script_location"


def test_the_path_stays_inside_the_mapped_directory(tmp_path: Path) -> None:
    assert mapped_path("s3://b/a/b.py", {"b": str(tmp_path)}) == tmp_path.resolve() / "a/b.py"
