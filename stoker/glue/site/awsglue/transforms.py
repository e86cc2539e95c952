"""``awsglue.transforms``: Glue's transform classes (stoker's own).

Importing a Glue transform stoker does not implement raises GlueNotSupported naming it,
rather than a bare ImportError.
"""

from stoker.glue.transforms.classes import (
    UNSUPPORTED,
    ApplyMapping,
    DropFields,
    DropNullFields,
    ErrorsAsDynamicFrame,
    Filter,
    GlueTransform,
    Join,
    Map,
    MapToCollection,
    Relationalize,
    RenameField,
    ResolveChoice,
    SelectFields,
    SelectFromCollection,
    Spigot,
    SplitFields,
    SplitRows,
    Unbox,
    Union,
    UnnestFrame,
)
from stoker.glue.transforms.errors import GlueNotSupported


def __getattr__(name: str) -> object:
    if name in UNSUPPORTED:
        raise GlueNotSupported(f"awsglue.transforms.{name} is not supported by stoker")
    raise AttributeError(f"module 'awsglue.transforms' has no attribute {name!r}")


__all__ = [
    "ApplyMapping",
    "DropFields",
    "DropNullFields",
    "ErrorsAsDynamicFrame",
    "Filter",
    "GlueTransform",
    "Join",
    "Map",
    "MapToCollection",
    "Relationalize",
    "RenameField",
    "ResolveChoice",
    "SelectFields",
    "SelectFromCollection",
    "Spigot",
    "SplitFields",
    "SplitRows",
    "Unbox",
    "Union",
    "UnnestFrame",
]
