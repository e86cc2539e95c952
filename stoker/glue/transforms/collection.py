"""Glue's DynamicFrameCollection: named DynamicFrames, as multi-frame transforms return them."""
# ruff: noqa: N802 - Glue's API names are camelCase

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from stoker.glue.dynamicframe import DynamicFrame


class DynamicFrameCollection:
    """Named DynamicFrames, as transforms that produce several frames return them."""

    def __init__(self, dynamic_frames: Mapping[str, DynamicFrame], glue_ctx: Any) -> None:
        self._frames = dict(dynamic_frames)
        self.glue_ctx = glue_ctx

    def __getitem__(self, key: str) -> DynamicFrame:
        return self.select(key)

    def __len__(self) -> int:
        return len(self._frames)

    def __iter__(self) -> Iterator[str]:
        return iter(self._frames)

    def __contains__(self, key: object) -> bool:
        return key in self._frames

    def keys(self) -> list[str]:
        """The frames' names."""
        return list(self._frames)

    def values(self) -> list[DynamicFrame]:
        """The frames."""
        return list(self._frames.values())

    def select(self, key: str, transformation_ctx: str = "") -> DynamicFrame:
        """The frame named ``key``."""
        if key not in self._frames:
            raise KeyError(f"no frame {key!r} in the collection (it has {sorted(self._frames)})")
        return self._frames[key]

    def map(
        self, callable: Callable[[DynamicFrame, str], DynamicFrame], transformation_ctx: str = ""
    ) -> DynamicFrameCollection:
        """Each frame through ``callable(frame, transformation_ctx)``."""
        return DynamicFrameCollection(
            {k: callable(f, f"{transformation_ctx}_{k}") for k, f in self._frames.items()},
            self.glue_ctx,
        )

    def flatMap(
        self,
        f: Callable[[DynamicFrame, str], DynamicFrame | DynamicFrameCollection],
        transformation_ctx: str = "",
    ) -> DynamicFrameCollection:
        """Each frame through ``f``; collections it returns are flattened in."""
        out: dict[str, DynamicFrame] = {}
        for key, frame in self._frames.items():
            result = f(frame, f"{transformation_ctx}_{key}")
            if isinstance(result, DynamicFrameCollection):
                out.update({f"{key}_{k}": v for k, v in result._frames.items()})
            else:
                out[key] = result
        return DynamicFrameCollection(out, self.glue_ctx)
