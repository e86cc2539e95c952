"""Run one user script in-process in a fresh namespace and say how it ended."""

from __future__ import annotations

import json
import os
import runpy
import sys
import traceback
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from types import TracebackType
from typing import Any

from stoker.domain.runs import Exit, Outcome
from stoker.executors.gluesite import add_glue_site


class StopRequested(BaseException):
    """Raised inside a script's thread to stop it; a BaseException so `except Exception`
    in the script does not swallow it."""


@dataclass(frozen=True)
class ScriptResult:
    """How a script ended: SUCCEEDED, FAILED (with the error) or STOPPED."""

    outcome: Outcome
    error_type: str | None = None
    message: str | None = None
    traceback: str | None = None
    #: Where the exception was raised from inside Spark/py4j code (pool drivers retire then).
    raised_in_library: bool = False

    @property
    def error_message(self) -> str | None:
        if self.error_type is None:
            return None
        return f"{self.error_type}: {self.message}" if self.message else self.error_type

    def to_exit(self) -> Exit:
        return Exit(self.outcome, self.error_message)

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> ScriptResult:
        data: dict[str, Any] = json.loads(text)
        data["outcome"] = Outcome(data["outcome"])
        return cls(**data)


SUCCEEDED = ScriptResult(Outcome.SUCCEEDED)

_LIBRARY_MARKERS = (f"{os.sep}py4j{os.sep}", f"{os.sep}pyspark{os.sep}")


def _script_frames(tb: TracebackType | None, path: str) -> TracebackType | None:
    """Drop the runner's and runpy's frames so the traceback starts in the script."""
    cursor = tb
    while cursor is not None:
        if cursor.tb_frame.f_code.co_filename == path:
            return cursor
        cursor = cursor.tb_next
    return tb


def _innermost_file(tb: TracebackType | None) -> str:
    filename = ""
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        tb = tb.tb_next
    return filename


def _failure(exc: BaseException, path: str) -> ScriptResult:
    if isinstance(exc, SyntaxError):
        text = "".join(traceback.format_exception_only(exc))
        return ScriptResult(Outcome.FAILED, "SyntaxError", f"{exc.msg} (line {exc.lineno})", text)
    tb = _script_frames(exc.__traceback__, path)
    text = "".join(traceback.format_exception(type(exc), exc, tb))
    outcome = Outcome.STOPPED if isinstance(exc, StopRequested) else Outcome.FAILED
    in_library = any(m in _innermost_file(exc.__traceback__) for m in _LIBRARY_MARKERS)
    return ScriptResult(outcome, type(exc).__name__, str(exc), text, in_library)


def _exit_result(exc: SystemExit) -> ScriptResult:
    if exc.code is None or exc.code == 0:
        return SUCCEEDED
    return ScriptResult(Outcome.FAILED, "SystemExit", str(exc.code))


def run_script(path: str, argv: list[str], namespace: Mapping[str, Any],
               env: Mapping[str, str] | None = None,
               hadoop_conf: Mapping[str, str] | None = None) -> ScriptResult:  # fmt: skip
    """Execute ``path`` as ``__main__`` with ``sys.argv = [path, *argv]``, ``namespace``
    pre-set as globals, ``env`` in ``os.environ`` and ``hadoop_conf`` on the Hadoop
    configuration of ``namespace["sc"]`` (what they replaced is put back after: a warm
    driver runs the next script without them). Errors are reported (traceback
    written to sys.stderr), not raised, except that a StopRequested arriving outside the
    script propagates to the caller.
    ``import awsglue`` in the script resolves to stoker's Glue runtime."""
    if not os.path.isfile(path):
        return ScriptResult(Outcome.FAILED, "FileNotFoundError", f"script {path} does not exist")
    add_glue_site()
    saved_argv = sys.argv
    sys.argv = [path, *argv]
    saved_env = {name: os.environ.get(name) for name in env or {}}
    os.environ.update(env or {})
    hadoop = HadoopOverlay(namespace.get("sc"), hadoop_conf or {})
    try:
        hadoop.apply()
        runpy.run_path(path, init_globals=dict(namespace), run_name="__main__")
        result = SUCCEEDED
    except SystemExit as exc:
        result = _exit_result(exc)
    except BaseException as exc:  # the script's failure is data, whatever it is
        result = _failure(exc, path)
    finally:
        sys.argv = saved_argv
        _restore_env(saved_env)
        hadoop.restore()
    if result.traceback and result.outcome is Outcome.FAILED:
        sys.stderr.write(result.traceback)
        sys.stderr.flush()
    return result


class HadoopOverlay:
    """A run's Hadoop settings over the SparkContext's configuration, taken back after.

    Hadoop caches a FileSystem per scheme and authority, built with the settings of its
    first use: a warm driver would hand the next run a filesystem opened with the last
    run's keys. For each scheme the settings name (``fs.s3a.…``), the cache is turned off
    while the run lasts, so the run's filesystems are opened with its own keys.
    """

    def __init__(self, sc: Any, conf: Mapping[str, str]) -> None:
        self._conf = dict(conf)
        for key in conf:
            parts = key.split(".")
            if len(parts) > 2 and parts[0] == "fs":
                self._conf[f"fs.{parts[1]}.impl.disable.cache"] = "true"
        self._hadoop = sc._jsc.hadoopConfiguration() if sc is not None and conf else None
        self._saved: dict[str, str | None] = {}

    def apply(self) -> None:
        if self._hadoop is None:
            return
        self._saved = {key: self._hadoop.get(key) for key in self._conf}
        for key, value in self._conf.items():
            self._hadoop.set(key, value)

    def restore(self) -> None:
        if self._hadoop is None:
            return
        for key, value in self._saved.items():
            if value is None:
                self._hadoop.unset(key)
            else:
                self._hadoop.set(key, value)


def _restore_env(saved: Mapping[str, str | None]) -> None:
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
