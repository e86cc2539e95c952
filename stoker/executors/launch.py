"""What a run process is told, in private files instead of on its command line.

Every local user can read any process's ``/proc/PID/cmdline``, so run arguments and
Spark conf (which may hold passwords and keys) travel in files of mode 0600 that the
child removes once it has read them: a ``Launch`` (JSON) for the entry of isolated and
Python shell runs, and a Java properties file for spark-submit's ``--properties-file``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

from stoker.executors.private import remove, write_private

#: Where a cluster-mode driver finds its Launch: an environment variable, because its
#: process is started by a Spark worker, perhaps on another machine, and a standalone
#: master hands a driver only the submitter's ``SPARK_*`` variables.
LAUNCH_ENV = "SPARK_STOKER_LAUNCH"
#: Starts the line of a cluster-mode driver's stderr that holds its ScriptResult (JSON).
RESULT_MARKER = "\x1estoker-result "
#: Starts a line of a cluster-mode driver's stderr that holds one Spark sample (JSON).
SAMPLE_MARKER = "\x1estoker-sample "


def _escape(text: str, key: bool) -> str:
    """Java Properties escaping (Spark reads the file as UTF-8, so only syntax is escaped)."""
    out = text.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r")
    out = out.replace("\t", "\\t").replace("\f", "\\f")
    if key:
        for char in " =:#!":
            out = out.replace(char, "\\" + char)
    elif out.startswith(" "):
        out = "\\" + out
    return out


def java_properties(conf: Mapping[str, str]) -> str:
    lines = [f"{_escape(k, key=True)}={_escape(v, key=False)}" for k, v in conf.items()]
    return "\n".join(lines) + "\n"


def write_properties(path: Path, conf: Mapping[str, str]) -> None:
    write_private(path, java_properties(conf))


@dataclass(frozen=True)
class Launch:
    """The entry's instructions for one run (``stoker/executors/entry.py``)."""

    run_id: str
    job_name: str
    script: str
    #: The result file; None for a cluster-mode driver (``cluster``).
    result: str | None
    #: The script's argv after Glue's ``--JOB_NAME``/``--JOB_RUN_ID`` ('--key', 'value', ...).
    argv: list[str]
    spark: bool = False
    stdout: str | None = None
    stderr: str | None = None
    metrics_file: str | None = None
    metrics_interval: float = 0.0
    #: spark-submit's properties file: the entry removes it once the JVM has read it.
    properties_file: str | None = None
    #: Environment variables the entry sets for the script (run_script's ``env``).
    env: dict[str, str] = field(default_factory=dict, repr=False)
    #: Hadoop settings the entry sets on the run's SparkContext (run_script's ``hadoop_conf``).
    hadoop_conf: dict[str, str] = field(default_factory=dict, repr=False)
    #: Spark conf the entry sets on the run's SparkSession: a cluster-mode driver's secret
    #: settings, which would otherwise be on its JVM's command line on the worker.
    spark_conf: dict[str, str] = field(default_factory=dict, repr=False)
    #: A cluster-mode driver: the result and the Spark samples go to stderr as RESULT_MARKER
    #: and SAMPLE_MARKER lines (the daemon reads them from the worker's log), stderr to the
    #: driver JVM's own stderr.
    cluster: bool = False

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    def write(self, path: Path) -> None:
        write_private(path, self.to_json())

    @classmethod
    def take_env(cls) -> Launch:
        """Read the launch from LAUNCH_ENV and remove it, so the script does not see it."""
        return cls(**json.loads(os.environ.pop(LAUNCH_ENV)))

    @classmethod
    def take(cls, path: str) -> Launch:
        """Read the launch file and remove it (and the properties file it names)."""
        with open(path, encoding="utf-8") as fh:
            launch = cls(**json.load(fh))
        remove(path, launch.properties_file)
        return launch
