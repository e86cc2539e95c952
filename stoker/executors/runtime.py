"""Can Spark run here: a Java of the version Spark needs, and Spark's jars.

Checked when the daemon starts and before a warm driver or an isolated run is started, so
a missing runtime is one clear sentence (what is missing, how to get it) instead of
pyspark's JAVA_GATEWAY_EXITED traceback from every driver.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
from pathlib import Path

#: Spark 4 (pyspark 4.x) runs on Java 17 and newer.
MIN_JAVA = 17
_PROBE_TIMEOUT_SECONDS = 30.0
_VERSION = re.compile(r'version "(\d+)(?:\.(\d+))?')
HOW_TO_GET_JAVA = (
    f"install a Java {MIN_JAVA}+ runtime (Debian/Ubuntu: `apt-get install "
    "openjdk-17-jre-headless`; `make run` installs it when run as root) or set JAVA_HOME "
    "to one"
)


def find_java() -> tuple[str | None, str]:
    """(path of the java Spark would run, where it looked) — the lookup of spark-class."""
    home = os.environ.get("JAVA_HOME")
    if home:
        candidate = Path(home) / "bin" / "java"
        return (str(candidate) if os.access(candidate, os.X_OK) else None), f"JAVA_HOME={home}"
    return shutil.which("java"), "PATH (JAVA_HOME is unset)"


def java_major(version_output: str) -> int | None:
    """17 for 'openjdk version "17.0.15"', 8 for 'java version "1.8.0_392"'."""
    match = _VERSION.search(version_output)
    if match is None:
        return None
    major = int(match.group(1))
    return int(match.group(2) or 0) if major == 1 else major


def spark_jars_problem() -> str | None:
    try:
        from pyspark.find_spark_home import _find_spark_home
    except ImportError:
        return "pyspark is not installed: reinstall stoker (`make install`)"
    try:
        home = Path(_find_spark_home())
    except SystemExit:  # pyspark exits when it finds no Spark home
        return "pyspark cannot find a Spark installation: unset SPARK_HOME or point it at one"
    if not any((home / "jars").glob("spark-core_*.jar")):
        return (
            f"Spark's jars are missing: no spark-core jar in {home / 'jars'}; reinstall "
            "pyspark (`make install`) or point SPARK_HOME at a full Spark installation"
        )
    return None


async def java_problem() -> str | None:
    java, where = find_java()
    if java is None:
        return f"no Java found (looked in {where}): Spark needs Java {MIN_JAVA}+; {HOW_TO_GET_JAVA}"
    try:
        proc = await asyncio.create_subprocess_exec(
            java, "-version", stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        output, _ = await asyncio.wait_for(proc.communicate(), _PROBE_TIMEOUT_SECONDS)
    except (OSError, TimeoutError) as exc:
        return f"{java} -version failed ({exc!r}): {HOW_TO_GET_JAVA}"
    major = java_major(output.decode(errors="replace"))
    if major is None or proc.returncode != 0:
        return (
            f"{java} does not run as a Java runtime (`{java} -version` failed): {HOW_TO_GET_JAVA}"
        )
    if major < MIN_JAVA:
        return f"{java} is Java {major}; Spark needs Java {MIN_JAVA}+: {HOW_TO_GET_JAVA}"
    return None


class SparkRuntime:
    """The check, shared by the pool and the isolated executor; a success is remembered,
    a failure is checked again next time (the operator may have installed Java since)."""

    def __init__(self) -> None:
        self._ok = False
        self._lock = asyncio.Lock()

    async def problem(self) -> str | None:
        """None when Spark can run; otherwise what is missing and how to get it."""
        if self._ok:
            return None
        async with self._lock:
            if self._ok:
                return None
            found = spark_jars_problem() or await java_problem()
            self._ok = found is None
            return found
