"""``awsglue.job.Job``: ``init`` loads the run's bookmark, ``commit`` saves every source's
state, on stoker's bookmarks (:mod:`stoker.job`). No ``commit()``: nothing advances."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any

from stoker.job.context import JobContext, init


class Job:
    """One run of a Glue job script."""

    def __init__(self, glue_context: Any) -> None:
        self._glue = glue_context
        self._context: JobContext | None = None
        self._name = ""

    @classmethod
    def continuation_options(cls) -> list[str]:
        return ["--continuation-option", "continuation-enabled", "continuation-readonly",
                "continuation-ignore"]  # fmt: skip

    @classmethod
    def job_bookmark_options(cls) -> list[str]:
        return ["--job-bookmark-option", "job-bookmark-enable", "job-bookmark-pause",
                "job-bookmark-disable"]  # fmt: skip

    @classmethod
    def job_bookmark_range_options(cls) -> list[str]:
        return ["--job-bookmark-from", "--job-bookmark-to"]

    @classmethod
    def id_params(cls) -> list[str]:
        return ["--JOB_NAME", "--JOB_ID", "--JOB_RUN_ID", "--SECURITY_CONFIGURATION"]

    @classmethod
    def encryption_type_options(cls) -> list[str]:
        return ["--encryption-type", "sse-s3"]

    def init(self, job_name: str, args: Mapping[str, Any] | None = None) -> None:
        """Start the run: load its bookmark (from the daemon's context) for the sources."""
        self._name = job_name
        self._context = init(sys.argv, self._glue.spark_session)
        self._glue.attach_job(self._context)

    def isInitialized(self) -> bool:  # noqa: N802 - Glue's name
        return self._context is not None

    def commit(self) -> None:
        """Save the state of every bookmarked source; kept if the run SUCCEEDS."""
        if self._context is None:
            raise RuntimeError("job.commit() before job.init(): call job.init(name, args) first")
        self._context.commit()
