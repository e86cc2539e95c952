"""One SparkContext per driver: a script's own ``SparkContext()`` gets the running one.

Glue scripts start with ``sc = SparkContext()`` (or ``SparkContext.getOrCreate()``) and
some end with ``sc.stop()``. In a stoker run the context already exists (the warm pool's,
or the one the isolated entry made before the script), and PySpark refuses a second one
("Cannot run multiple SparkContexts at once"). Once :func:`share_context` has run, the
constructor answers with the active context instead, ignoring its arguments as
``getOrCreate`` does, and ``stop()`` on it is ignored with a line on the run's stderr:
stoker stops the context itself when the process ends, so a warm pool driver keeps its
context for the next run and an isolated run still takes its final metrics sample.
Installed once per driver process and never undone: these processes exist to run scripts.
"""

from __future__ import annotations

import sys
from typing import Any


def share_context(sc: Any) -> None:
    """Make ``SparkContext(...)`` return the active context, and ``sc.stop()`` (also
    through ``SparkSession.stop()`` and ``with SparkContext()``) a no-op that says so."""
    from pyspark import SparkContext

    if not getattr(SparkContext, "_stoker_shared", False):
        original_init = SparkContext.__init__

        def new(cls: type, *args: Any, **kwargs: Any) -> Any:
            active = SparkContext._active_spark_context
            if cls is SparkContext and active is not None:
                return active
            return object.__new__(cls)

        def init(self: Any, *args: Any, **kwargs: Any) -> None:
            if self is SparkContext._active_spark_context and getattr(self, "_jsc", None):
                return  # the running context, handed back by new(): already initialised
            original_init(self, *args, **kwargs)

        SparkContext.__new__ = new  # type: ignore[method-assign]
        SparkContext.__init__ = init  # type: ignore[method-assign]
        SparkContext._stoker_shared = True  # type: ignore[attr-defined]
    sc.stop = _ignored_stop


def _ignored_stop() -> None:
    sys.stderr.write(
        "stoker: SparkContext.stop() ignored: stoker stops the run's context itself\n"
    )
    sys.stderr.flush()


def stop_context(sc: Any) -> None:
    """Really stop ``sc`` (the class's ``stop``, past the instance's ignored one)."""
    type(sc).stop(sc)
