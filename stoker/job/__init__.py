"""What user scripts import: their arguments (Glue's getResolvedOptions) and a job context
whose sources read only what is new since the last successful run (job bookmarks).

    import sys
    from stoker.job import init
    job = init(sys.argv)
    orders = job.files("s3a://bucket/orders/", "csv", transformation_ctx="orders",
                       options={"header": "true"})
    ...
    job.commit()

Runs inside the daemon's drivers and processes: it imports nothing of the daemon.
"""

from stoker.job.context import JobContext, init
from stoker.job.options import MissingOptionsError, get_resolved_options

__all__ = ["JobContext", "MissingOptionsError", "get_resolved_options", "init"]
