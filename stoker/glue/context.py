"""``GlueContext``: Glue's SQLContext with readers, writers, a logger and S3 helpers.

Built from a SparkContext (``GlueContext(sc)``) or a SparkSession, as real scripts do;
in a warm pool run either way it uses the run's own session. It is a real
``pyspark.sql.SQLContext``, so ``sql()``, ``_jsc.hadoopConfiguration()``, ``read`` and
friends work as in Glue.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Mapping
from typing import Any

from pyspark.sql import SparkSession, SQLContext

from stoker.glue import connections as conn
from stoker.glue import runcontext, streaming
from stoker.glue.errors import NotSupported
from stoker.glue.readers import DataFrameReader, DynamicFrameReader, DynamicFrameWriter
from stoker.glue.sinks import DataSink
from stoker.job.context import JobContext

#: purge_s3_path keeps files newer than this many hours unless told otherwise (Glue's 168).
DEFAULT_RETENTION_HOURS = 168


class GlueLogger:
    """``glueContext.get_logger()``: lines on the run's stderr (Glue's error log group)."""

    def _log(self, level: str, message: Any) -> None:
        sys.stderr.write(f"{time.strftime('%y/%m/%d %H:%M:%S')} {level} GlueLogger: {message}\n")
        sys.stderr.flush()

    def info(self, message: Any) -> None:
        self._log("INFO", message)

    def warn(self, message: Any) -> None:
        self._log("WARN", message)

    warning = warn

    def error(self, message: Any) -> None:
        self._log("ERROR", message)

    def debug(self, message: Any) -> None:
        self._log("DEBUG", message)


class GlueContext(SQLContext):
    """Glue's context over the run's Spark session."""

    def __init__(self, sparkContext: Any, **options: Any) -> None:  # noqa: N803 - Glue's name
        session = sparkContext if isinstance(sparkContext, SparkSession) else _session()
        super().__init__(session.sparkContext, session)
        unknown = set(options) - {"minPartitions", "targetPartitions"}
        if unknown:
            raise NotSupported("GlueContext", "option(s) " + ", ".join(sorted(unknown)))
        self._options = options
        self.spark_session = session
        self.run_context = runcontext.load(sys.argv)
        mount_buckets(self._jsc.hadoopConfiguration(), self.run_context.s3)
        self._job: JobContext | None = None
        self.create_dynamic_frame = DynamicFrameReader(self)
        self.create_data_frame = DataFrameReader(self)
        self.write_dynamic_frame = DynamicFrameWriter(self)
        self.write_data_frame = DynamicFrameWriter(self)
        self._logger = GlueLogger()

    # -- what Job.init hands over ------------------------------------------------------

    def job_context(self) -> JobContext:
        """The run's bookmark-aware sources (Job.init's); before it, a context that reads
        everything and keeps nothing."""
        if self._job is None:
            self._job = JobContext(self.spark_session, {}, None)
        return self._job

    def attach_job(self, job: JobContext) -> None:
        self._job = job

    # -- Glue's methods ------------------------------------------------------------------

    def get_logger(self) -> GlueLogger:
        return self._logger

    def getSink(self, connection_type: str = "s3", format: str | None = None,  # noqa: N802
                transformation_ctx: str = "", **options: Any) -> DataSink:  # fmt: skip
        sink = DataSink(self, connection_type, options)
        if format is not None:
            sink.setFormat(format)
        return sink

    def create_dynamic_frame_from_options(self, *args: Any, **kwargs: Any) -> Any:
        return self.create_dynamic_frame.from_options(*args, **kwargs)

    def create_dynamic_frame_from_catalog(self, *args: Any, **kwargs: Any) -> Any:
        return self.create_dynamic_frame.from_catalog(*args, **kwargs)

    def write_dynamic_frame_from_options(self, *args: Any, **kwargs: Any) -> Any:
        return self.write_dynamic_frame.from_options(*args, **kwargs)

    def write_dynamic_frame_from_catalog(self, *args: Any, **kwargs: Any) -> Any:
        return self.write_dynamic_frame.from_catalog(*args, **kwargs)

    def write_dynamic_frame_from_jdbc_conf(self, *args: Any, **kwargs: Any) -> Any:
        return self.write_dynamic_frame.from_jdbc_conf(*args, **kwargs)

    def extract_jdbc_conf(
        self, connection_name: str, catalog_id: str | None = None
    ) -> dict[str, Any]:
        """A named connection's url, user, password and vendor (Glue's keys)."""
        found = self.run_context.connection(connection_name)
        url = str(found.get("url") or "")
        vendor = url.split(":")[1] if url.count(":") >= 2 else ""
        return {"url": url, "fullUrl": url, "user": found.get("user"),
                "password": found.get("password"), "vendor": vendor}  # fmt: skip

    def purge_s3_path(
        self, s3_path: str, options: Mapping[str, Any] | None = None, transformation_ctx: str = ""
    ) -> None:
        """Delete the files under the (mapped) path older than ``retentionPeriod`` hours."""
        opts = dict(options or {})
        hours = float(opts.pop("retentionPeriod", DEFAULT_RETENTION_HOURS))
        opts.pop("excludeStorageClasses", None)  # S3 storage classes: nothing to exclude here
        if opts:
            raise NotSupported("purge_s3_path", "option(s) " + ", ".join(sorted(opts)))
        purge(self, self.run_context.path(s3_path), time.time() - hours * 3600)

    def purge_table(
        self, database: str, table_name: str, options: Mapping[str, Any] | None = None,
        transformation_ctx: str = "", catalog_id: str | None = None,
    ) -> None:  # fmt: skip
        location = self.run_context.table(database, table_name).get("location")
        if location:
            self.purge_s3_path(location, options)

    def forEachBatch(  # noqa: N802 - Glue's name
        self, frame: Any, batch_function: Any, options: Mapping[str, Any] | None = None
    ) -> None:
        """Run ``batch_function(data_frame, batch_id)`` on each window of a streaming frame."""
        streaming.for_each_batch(self, frame, batch_function, options or {})


#: Hadoop's filesystem that serves one scheme from mount tables named by the URI's host.
_OVERLOAD = "org.apache.hadoop.fs.viewfs.ViewFileSystemOverloadScheme"
_TARGETS = {"file": "org.apache.hadoop.fs.LocalFileSystem",
            "hdfs": "org.apache.hadoop.hdfs.DistributedFileSystem"}  # fmt: skip


def mount_buckets(hadoop_conf: Any, buckets: Mapping[str, str]) -> None:
    """Serve ``s3://bucket/key`` (and s3a/s3n) from the mapped directory for Spark itself,
    so a script's own ``spark.read.csv("s3://…")`` or ``df.write.parquet("s3://…")``
    reaches the same files as Glue's readers: each bucket is a mount table whose
    fallback is its directory. The Hadoop configuration is the SparkContext's, so in a
    warm driver the latest run's buckets are the ones mounted."""
    if not buckets:
        return
    for scheme in runcontext.S3_SCHEMES:
        hadoop_conf.set(f"fs.{scheme}.impl", _OVERLOAD)
        hadoop_conf.set(f"fs.{scheme}.impl.disable.cache", "true")  # re-read the mounts
    for scheme, impl in _TARGETS.items():
        hadoop_conf.set(f"fs.viewfs.overload.scheme.target.{scheme}.impl", impl)
    for bucket, root in buckets.items():
        hadoop_conf.set(f"fs.viewfs.mounttable.{bucket}.linkFallback", _uri(root))


def purge(glue: GlueContext, path: str, before: float) -> None:
    """Delete the files under ``path`` (any Hadoop URI) last modified before ``before``."""
    jvm = glue._jvm
    assert jvm is not None
    hadoop_path = jvm.org.apache.hadoop.fs.Path(_uri(path))
    fs = hadoop_path.getFileSystem(glue._jsc.hadoopConfiguration())
    if not fs.exists(hadoop_path):
        return
    files = fs.listFiles(hadoop_path, True)
    doomed = []
    while files.hasNext():
        status = files.next()
        if status.getModificationTime() < before * 1000:
            doomed.append(status.getPath())
    for item in doomed:
        fs.delete(item, False)


def _uri(path: str) -> str:
    return "file://" + path if path.startswith("/") else path


def _session() -> SparkSession:
    """The run's session (a warm pool driver points the builder at each run's own)."""
    return SparkSession.builder.getOrCreate()


__all__ = ["GlueContext", "GlueLogger", "conn"]
