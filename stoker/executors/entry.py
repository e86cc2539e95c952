"""Entry of a process-per-run executor: run one script, write its outcome as JSON.

``spark-submit .../entry.py --launch PATH`` (isolated) or ``python -m
stoker.executors.entry --launch PATH`` (Python shell). PATH is the run's private launch
file (``launch.py``): read and removed first, so no argument of the run is ever on a
command line. A cluster-mode driver (started on a standalone worker by Spark's
PythonRunner) gets ``--launch-env`` instead: the launch is in an environment variable, and
the result is written as a marker line on stderr, which the daemon reads from the worker.
With a metrics file (Spark only), a sampler thread appends the run's Spark figures to it
as JSON lines (SparkSample wire form), the final one last; a cluster-mode driver writes
them as marker lines on stderr instead.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from pathlib import Path
from types import FrameType
from typing import Any

# Run by path, this file's directory is sys.path[0]; its module names must not shadow the
# script's imports (e.g. a user module called "logs" or "process").
if sys.path and os.path.abspath(sys.path[0] or ".") == os.path.dirname(os.path.abspath(__file__)):
    del sys.path[0]

from stoker.domain.runs import Outcome
from stoker.domain.sparkmetrics import SparkSample
from stoker.executors.launch import LAUNCH_ENV, RESULT_MARKER, SAMPLE_MARKER, Launch
from stoker.executors.lineage import die_with_parent
from stoker.executors.private import open_private, write_private
from stoker.executors.runner import ScriptResult, StopRequested, run_script
from stoker.executors.sparksampler import DRAIN_TIMEOUT_SECONDS, RunSampler, open_sampler
from stoker.executors.sparkshare import share_context, stop_context

_stop_signalled = False


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    global _stop_signalled  # noqa: PLW0603 - the one flag a signal handler may set
    _stop_signalled = True
    raise StopRequested(f"signal {signum}")


def _parse(argv: list[str]) -> Launch:
    parser = argparse.ArgumentParser(prog="stoker.executors.entry")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--launch", help="the run's private launch file")
    source.add_argument("--launch-env", action="store_true", help=f"the launch is in ${LAUNCH_ENV}")
    parsed = parser.parse_args(argv)
    return Launch.take_env() if parsed.launch_env else Launch.take(parsed.launch)


def _redirect(stdout: str | None, stderr: str | None) -> None:
    """spark-submit merges its Python child's stderr into stdout; keep them apart."""
    for path, fd in ((stdout, 1), (stderr, 2)):
        if path:
            target = open_private(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
            os.dup2(target, fd)
            os.close(target)


def _stderr_to_driver_jvm() -> None:
    """PythonRunner merges our stderr into the driver's stdout; the driver JVM's own stderr
    (our parent's fd 2, the worker's ``stderr`` file) keeps them apart."""
    try:
        target = os.open(f"/proc/{os.getppid()}/fd/2", os.O_WRONLY | os.O_APPEND | os.O_CLOEXEC)
    except OSError:
        return  # merged into stdout, but nothing lost
    os.dup2(target, 2)
    os.close(target)


def _namespace(options: Launch) -> dict[str, Any]:
    args = {"JOB_NAME": options.job_name, "JOB_RUN_ID": options.run_id}
    pairs = zip(options.argv[::2], options.argv[1::2], strict=False)
    args.update({k.removeprefix("--"): v for k, v in pairs})
    namespace: dict[str, Any] = {"args": args}
    if options.spark:
        from pyspark.sql import SparkSession

        builder = SparkSession.builder
        for key, value in options.spark_conf.items():
            builder = builder.config(key, value)
        spark = builder.getOrCreate()
        spark.sparkContext.setJobGroup(options.run_id, f"stoker run {options.run_id}", True)
        share_context(spark.sparkContext)  # the script's SparkContext() is this one
        namespace.update(spark=spark, sc=spark.sparkContext)
    return namespace


def _start_sampler(sc: Any, options: Launch) -> RunSampler | None:
    """Samples to the metrics file, or for a cluster-mode driver to stderr as marker lines."""
    if options.metrics_file is not None:
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT
        out = os.fdopen(open_private(options.metrics_file, flags), "a", encoding="utf-8")

        def append(run_id: str, job_name: str, sample: SparkSample) -> None:
            out.write(json.dumps(sample.to_dict(), separators=(",", ":")) + "\n")
            out.flush()
    else:

        def append(run_id: str, job_name: str, sample: SparkSample) -> None:
            # One write, on a line of its own: the script may be half-way through one.
            text = json.dumps(sample.to_dict(), separators=(",", ":"))
            os.write(2, f"\n{SAMPLE_MARKER}{text}\n".encode())

    # Not waiting for the warm-up round: it runs while the script starts.
    sampler = open_sampler(sc, append, options.metrics_interval, wait=False)
    if sampler is not None:
        sampler.begin(options.run_id, options.job_name)
    return sampler


def _final_sample(sampler: RunSampler | None, run_id: str) -> None:
    """Take and write the run's last sample before the process exits."""
    if sampler is not None:
        sampler.end(run_id)
        sampler.close(DRAIN_TIMEOUT_SECONDS + 10)


def _write(path: str | None, result: ScriptResult) -> None:
    if path is None:  # a cluster-mode driver: the daemon reads this line from the worker
        sys.stdout.flush()
        os.write(2, f"\n{RESULT_MARKER}{result.to_json()}\n".encode())
        return
    tmp = Path(path + ".tmp")
    write_private(tmp, result.to_json())
    tmp.replace(path)  # atomic: the executor never reads half a result


def main(argv: list[str] | None = None) -> int:
    options = _parse(sys.argv[1:] if argv is None else argv)
    if options.spark:
        die_with_parent()  # spark-submit's JVM is our parent, not the daemon
    _redirect(options.stdout, options.stderr)
    if options.cluster:
        _stderr_to_driver_jvm()
    signal.signal(signal.SIGTERM, _on_sigterm)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sampler = None
    try:
        namespace = _namespace(options)
        sampled = options.metrics_file or (options.cluster and options.metrics_interval)
        if options.spark and sampled:
            sampler = _start_sampler(namespace["sc"], options)
        run_argv = ["--JOB_NAME", options.job_name, "--JOB_RUN_ID", options.run_id, *options.argv]
        result = run_script(options.script, run_argv, namespace, options.env, options.hadoop_conf)
    except StopRequested:
        result = ScriptResult(Outcome.STOPPED)
    if _stop_signalled:
        result = ScriptResult(Outcome.STOPPED)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _write(options.result, result)
    _final_sample(sampler, options.run_id)
    spark = namespace.get("spark") if "namespace" in locals() else None
    if spark is not None:
        stop_context(spark.sparkContext)
    return 0 if result.outcome is Outcome.SUCCEEDED else 1


if __name__ == "__main__":
    sys.exit(main())
