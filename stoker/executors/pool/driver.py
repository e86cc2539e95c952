"""A warm pool driver process: one warm SparkSession that runs scripts one at a time.

Started by the supervisor as ``python -m stoker.executors.pool.driver --fd N
--properties-file PATH [--metrics-interval S]``; talks over the inherited socket ``N`` (see
protocol.py). PATH holds the session's Spark conf (master included) for spark-submit, so
none of it is on the JVM's command line; it is removed once the session is up. With a
metrics interval, a sampler thread sends each run's Spark figures.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import os
import queue
import shlex
import signal
import socket
import sys
import threading
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any, TextIO

from stoker.domain.arguments import argv_from_arguments
from stoker.domain.runs import Outcome
from stoker.domain.sparkmetrics import SparkSample
from stoker.executors.logs import open_log
from stoker.executors.pool import protocol
from stoker.executors.pool.statements import StatementResult, run_statement, session_namespace
from stoker.executors.private import remove
from stoker.executors.runner import ScriptResult, StopRequested, run_script
from stoker.executors.sparksampler import RunSampler, open_sampler
from stoker.executors.sparkshare import share_context

_LIBRARY_MARKERS = (f"{os.sep}py4j{os.sep}", f"{os.sep}pyspark{os.sep}")
#: While a stop is pending: how often to re-check the script thread and re-cancel its jobs.
_STOP_POLL_SECONDS = 0.02
_RECANCEL_SECONDS = 0.5


@dataclass
class _Run:
    """The run (or session message) the worker thread executes, and whether a stop was
    asked for."""

    message: protocol.Run | protocol.OpenSession | protocol.Statement
    stop_requested: bool = False

    @property
    def run_id(self) -> str:
        if isinstance(self.message, protocol.OpenSession):
            return self.message.session_id
        return self.message.run_id


def _async_raise(thread_id: int, exc: type[BaseException] | None) -> None:
    """Make ``exc`` raise in the thread at its next bytecode (None clears a pending one)."""
    ctypes.pythonapi.PyThreadState_SetAsyncExc(
        ctypes.c_ulong(thread_id), ctypes.py_object(exc) if exc is not None else None
    )


def _in_library(frame: FrameType | None) -> bool:
    """An exception raised inside py4j could leave its connection half-read: don't."""
    return frame is not None and any(m in frame.f_code.co_filename for m in _LIBRARY_MARKERS)


class Driver:
    """Serves control messages on the main thread; runs scripts on one worker thread."""

    def __init__(
        self, channel: protocol.SyncChannel, spark: Any, metrics_interval: float | None = None
    ) -> None:
        self._channel = channel
        self._metrics_interval = metrics_interval
        self._sampler: RunSampler | None = None
        #: The driver's root session: only ever the parent of each run's own session.
        self._spark = spark
        self._session: Any = spark
        self._sc = spark.sparkContext
        self._runs: queue.SimpleQueue[_Run] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._current: _Run | None = None
        self._in_script = False
        self._warm = threading.Event()
        self._warm_error: str | None = None
        self._worker = threading.Thread(target=self._work, name="stoker-run", daemon=True)
        self._saved_fds = (os.dup(1), os.dup(2))
        self._saved_streams: tuple[TextIO, TextIO] = (sys.stdout, sys.stderr)
        self._open_files: list[TextIO] = []
        #: Given to an interactive session (OpenSession): its namespace, then no more runs.
        self._namespace: dict[str, Any] | None = None

    def serve(self) -> None:
        self._worker.start()
        self._warm.wait()
        if self._warm_error is not None:
            sys.stderr.write(self._warm_error)
            self._channel.send(protocol.Fatal(self._warm_error))
            sys.exit(1)
        self._channel.send(protocol.Ready(os.getpid()))
        while True:
            message = self._channel.recv()
            if message is None:
                os._exit(0)  # the supervisor is gone: nobody will read our results
            match message:
                case protocol.Run() | protocol.OpenSession() | protocol.Statement():
                    self._accept(message)
                case protocol.Cancel(run_id=run_id):
                    self._cancel(run_id)
                case protocol.Ping():
                    self._channel.send(protocol.Pong())

    def _accept(self, run: protocol.Run | protocol.OpenSession | protocol.Statement) -> None:
        with self._lock:
            self._current = _Run(run)
        self._runs.put(self._current)

    def _cancel(self, run_id: str) -> None:
        with self._lock:
            run = self._current
            if run is None or run.run_id != run_id or run.stop_requested:
                return
            run.stop_requested = True
        self._sc.cancelJobGroup(run_id)
        threading.Thread(target=self._stopper, args=(run,), name="stoker-stop", daemon=True).start()

    def _stopper(self, run: _Run) -> None:
        """Interrupt plain-Python code too; Spark jobs are re-cancelled in case the script
        caught the cancellation and submitted more. The supervisor kills us if neither works."""
        worker_id = self._worker.ident
        assert worker_id is not None
        last_cancel = time.monotonic()
        while True:
            with self._lock:
                if self._current is not run or not self._in_script:
                    return
                frame = sys._current_frames().get(worker_id)
                if not _in_library(frame):
                    _async_raise(worker_id, StopRequested)
            time.sleep(_STOP_POLL_SECONDS)
            if time.monotonic() - last_cancel > _RECANCEL_SECONDS:
                self._sc.cancelJobGroup(run.run_id)
                last_cancel = time.monotonic()

    def _work(self) -> None:
        from pyspark.sql import SparkSession

        # Warm this thread's own py4j connection and the JIT before taking runs.
        try:
            self._sc.setJobGroup("stoker-warmup", "stoker driver warm-up", interruptOnCancel=True)
            self._spark.range(1).count()
            # Its first REST round is slow: taken here, before READY, not by the first run.
            self._sampler = open_sampler(
                self._sc, self._send_sample, self._metrics_interval, self._driver_log
            )
            # PySpark's getActiveSession() answers only if this thread's JVM side has one.
            SparkSession._get_j_spark_session_class(self._sc._jvm).setActiveSession(
                self._spark._jsparkSession
            )
            self._session = self._fresh_session()
            share_context(self._sc)  # a script's SparkContext() is this one; stop() is not
        except Exception:
            self._warm_error = traceback.format_exc()
            return
        finally:
            self._warm.set()
        while True:
            run = self._runs.get()
            if not isinstance(run.message, protocol.Run):
                try:
                    self._session_step(run)
                except StopRequested:  # a cancel that landed as the statement ended
                    self._late_cancel(run)
                continue
            try:
                result = self._execute(run)
            except StopRequested:  # landed just after the script ended
                self._restore()
                result = ScriptResult(Outcome.STOPPED)
            except Exception as exc:
                self._restore()
                result = ScriptResult(Outcome.FAILED, "DriverError", repr(exc))
            self._finish(run, result)

    def _session_step(self, current: _Run) -> None:
        """Open the session's namespace, or run one statement in it (on this thread, which
        is the one ``Cancel`` interrupts)."""
        message = current.message
        if isinstance(message, protocol.OpenSession):
            self._channel.send(protocol.SessionOpened(message.session_id, self._open(message)))
            with self._lock:
                self._current = None
            return
        assert isinstance(message, protocol.Statement)
        result = self._statement(current, message)
        retire = None if self._context_alive() else "the statement stopped the SparkContext"
        self._channel.send(protocol.StatementDone(
            message.run_id, result.status, result.text, result.error_name, result.error_value,
            result.traceback, retire,
        ))  # fmt: skip
        if retire is not None:
            os._exit(0)

    def _late_cancel(self, current: _Run) -> None:
        with self._lock:
            self._in_script = False
            _async_raise(threading.get_ident(), None)
            self._current = None
        self._channel.send(protocol.StatementDone(
            current.run_id, "cancelled", "", "StatementCancelled", "the statement was cancelled"
        ))  # fmt: skip

    def _open(self, message: protocol.OpenSession) -> str | None:
        # For the session's life: this driver serves nothing else and retires after it.
        os.environ.update(message.env)
        try:
            for key, value in message.conf.items():
                self._session.conf.set(key, value)
            self._namespace = session_namespace(self._session, message.arguments,
                                                message.py_files)  # fmt: skip
        except Exception:
            return traceback.format_exc()
        return None

    def _statement(self, current: _Run, message: protocol.Statement) -> StatementResult:
        if self._namespace is None:
            return StatementResult("error", "", "SessionNotOpen", "no session was opened")
        try:
            self._sc.setJobGroup(message.run_id, f"stoker statement {message.run_id}",
                                 interruptOnCancel=True)  # fmt: skip
            with self._lock:
                self._in_script = True
            result = run_statement(message.code, self._namespace, message.number)
        except StopRequested:  # landed between the statement and the lock below
            result = StatementResult("cancelled", "", "StatementCancelled", "cancelled")
        finally:
            with self._lock:
                self._in_script = False
                _async_raise(threading.get_ident(), None)
                self._current = None
        if current.stop_requested and result.status != "cancelled":
            return StatementResult("cancelled", result.text, "StatementCancelled",
                                   "the statement was cancelled")  # fmt: skip
        return result

    def _execute(self, current: _Run) -> ScriptResult:
        run = current.message
        assert isinstance(run, protocol.Run)
        self._channel.send(protocol.Started(run.run_id))
        self._redirect(run)
        try:
            self._sc.setJobGroup(run.run_id, f"stoker run {run.run_id}", interruptOnCancel=True)
            if self._sampler is not None:
                self._sampler.begin(run.run_id, run.job_name)
            with self._lock:
                self._in_script = True
            argv = ["--JOB_NAME", run.job_name, "--JOB_RUN_ID", run.run_id]
            argv += argv_from_arguments(run.arguments)
            args = {"JOB_NAME": run.job_name, "JOB_RUN_ID": run.run_id}
            args.update({k.removeprefix("--"): v for k, v in run.arguments.items()})
            namespace = {"spark": self._session, "sc": self._sc, "args": args}
            return run_script(run.script, argv, namespace, run.env, run.hadoop_conf)
        finally:
            with self._lock:
                self._in_script = False
                _async_raise(threading.get_ident(), None)
            self._restore()

    def _finish(self, run: _Run, result: ScriptResult) -> None:
        alive = self._context_alive()
        outcome = Outcome.STOPPED if run.stop_requested else result.outcome
        error = result.error_message if outcome is Outcome.FAILED else None
        retire = None
        if not alive:
            retire = "the script stopped or replaced the SparkContext"
        elif outcome is Outcome.STOPPED and result.raised_in_library:
            retire = "a stop interrupted Spark's Python bridge mid-call"
        with self._lock:
            self._current = None
        self._channel.send(protocol.Finished(run.run_id, outcome, error, retire))
        # After FINISHED, so the sampler thread's wake-up never delays it; before this
        # thread takes the next run (so the next begin cannot overtake this end).
        if self._sampler is not None:
            self._sampler.end(run.run_id)  # the final sample is taken on the sampler thread
        if not alive:
            os._exit(0)  # useless without a context; the supervisor replaces us
        # Between runs, after FINISHED: nothing of this run's session reaches the next one.
        try:
            self._session = self._fresh_session()
        except Exception:
            # A driver that cannot give the next run a clean session must not take it.
            self._driver_log("stoker: cannot create a session for the next run; exiting\n"
                             + traceback.format_exc())  # fmt: skip
            os._exit(1)

    def _fresh_session(self) -> Any:
        """A session of its own for the next run, made active on this (the script's) thread.

        A run's SQL conf (spark.conf.set, e.g. a partition overwrite mode), temporary views
        and UDFs live in its session, so a warm driver must not hand one run's session to
        the next. The SparkContext and the table cache are shared: cached data is dropped
        here, or a later run would read an earlier run's snapshot of a table.
        ``SparkSession.builder.getOrCreate()`` and ``getActiveSession()`` in a script return
        the run's session: PySpark answers both from class attributes, pointed at it here.
        The JVM's active session needs no call per run: every Dataset operation makes its
        own session active while it runs. Two py4j round trips between runs, none at start.
        """
        from pyspark.sql import SparkSession

        self._spark.catalog.clearCache()
        session = self._spark.newSession()
        SparkSession._instantiatedSession = session
        SparkSession._activeSession = session
        return session

    def _send_sample(self, run_id: str, job_name: str, sample: SparkSample) -> None:
        self._channel.send(protocol.Metrics(run_id, job_name, sample))

    def _driver_log(self, line: str) -> None:
        """To the driver's own log even while fds 1/2 point at a run's logs."""
        os.write(self._saved_fds[1], (line + "\n").encode())

    def _redirect(self, run: protocol.Run) -> None:
        sys.stdout.flush()
        sys.stderr.flush()
        out = os.fdopen(open_log(Path(run.stdout)), "a", buffering=1, encoding="utf-8")
        err = out
        if run.stderr != run.stdout:
            err = os.fdopen(open_log(Path(run.stderr)), "a", buffering=1, encoding="utf-8")
        self._open_files = [out] if err is out else [out, err]
        os.dup2(out.fileno(), 1)
        os.dup2(err.fileno(), 2)
        sys.stdout, sys.stderr = out, err

    def _restore(self) -> None:
        """Point fds 1/2 and sys.stdout/err back at the driver log (idempotent)."""
        for stream in (sys.stdout, sys.stderr):
            # The script may have closed or broken its stream; nothing left to save then.
            with contextlib.suppress(OSError, ValueError):
                stream.flush()
        os.dup2(self._saved_fds[0], 1)
        os.dup2(self._saved_fds[1], 2)
        sys.stdout, sys.stderr = self._saved_streams
        for fh in self._open_files:
            fh.close()
        self._open_files = []

    def _context_alive(self) -> bool:
        from pyspark import SparkContext

        sc: Any = self._sc
        if id(SparkContext._active_spark_context) != id(sc) or sc._jsc is None:
            return False
        try:
            return not bool(sc._jsc.sc().isStopped())
        except Exception:
            return False


def build_session(properties_file: str) -> Any:
    """The driver's root session, configured by spark-submit from the private properties
    file (pyspark would put builder options on the JVM's command line)."""
    from pyspark.sql import SparkSession

    submit_args = ["--properties-file", properties_file, "--load-spark-defaults", "pyspark-shell"]
    os.environ["PYSPARK_SUBMIT_ARGS"] = shlex.join(submit_args)
    try:
        return SparkSession.builder.getOrCreate()
    finally:
        remove(properties_file)


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="stoker.executors.pool.driver")
    parser.add_argument("--fd", type=int, required=True)
    parser.add_argument("--properties-file", required=True, help="the session's Spark conf")
    parser.add_argument(
        "--metrics-interval", type=float, default=0.0, help="sample runs every S seconds; 0 = off"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    options = _parse(sys.argv[1:] if argv is None else argv)
    # A terminal Ctrl-C is for the daemon; it stops us in order.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    channel = protocol.SyncChannel(socket.socket(fileno=options.fd))
    try:
        spark = build_session(options.properties_file)
        driver = Driver(channel, spark, options.metrics_interval)
    except Exception:
        error = traceback.format_exc()
        sys.stderr.write(error)
        channel.send(protocol.Fatal(error))
        sys.exit(1)
    driver.serve()


if __name__ == "__main__":
    main()
