"""Where ``import awsglue`` resolves inside a run: stoker's clean-room packages.

The packages live in ``stoker/glue/site`` (the ``glue`` floor is above the executors, so
this module knows the directory, not the code). Runs put it first on ``sys.path``, so a
run gets stoker's ``awsglue`` even where a real one is installed; nothing outside a run
(the daemon, a user's own Python) sees it.
"""

from __future__ import annotations

import sys
from pathlib import Path

GLUE_SITE = str(Path(__file__).resolve().parents[1] / "glue" / "site")


def add_glue_site() -> None:
    """Put the ``awsglue`` packages first on ``sys.path`` (once)."""
    if GLUE_SITE not in sys.path:
        sys.path.insert(0, GLUE_SITE)
