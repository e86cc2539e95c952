"""What a run process is told, in private files instead of on its command line.

Every local user can read any process's ``/proc/PID/cmdline``, so run arguments and
Spark conf (which may hold passwords and keys) travel in files of mode 0600 that the
child removes once it has read them: a ``Launch`` (JSON) for the entry of isolated and
Python shell runs, and a Java properties file for spark-submit's ``--properties-file``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

from stoker.executors.private import remove, write_private


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
    result: str
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

    def write(self, path: Path) -> None:
        write_private(path, json.dumps(asdict(self)))

    @classmethod
    def take(cls, path: str) -> Launch:
        """Read the launch file and remove it (and the properties file it names)."""
        with open(path, encoding="utf-8") as fh:
            launch = cls(**json.load(fh))
        remove(path, launch.properties_file)
        return launch
