"""awsglue.job: Job, on stoker's job bookmarks (clean-room implementation)."""

from stoker.glue.job import Job

__all__ = ["Job"]
