"""``awsglue.transforms``: Glue's transform classes (stoker's own).

Importing a Glue transform stoker does not implement raises GlueNotSupported naming it,
rather than a bare ImportError.
"""

from stoker.glue.transforms import classes
from stoker.glue.transforms.classes import *  # noqa: F403 - the module is the re-export
from stoker.glue.transforms.errors import GlueNotSupported

__all__ = list(classes.__all__)


def __getattr__(name: str) -> object:
    if name in classes.UNSUPPORTED:
        raise GlueNotSupported(f"awsglue.transforms.{name} is not supported by stoker")
    raise AttributeError(f"module 'awsglue.transforms' has no attribute {name!r}")
