"""The reader and writer objects a GlueContext carries: ``create_dynamic_frame``,
``create_data_frame``, ``write_dynamic_frame`` and ``write_data_frame``, with Glue's
argument names (and its legacy ``name_space`` for ``database``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from stoker.glue import sinks, sources, streaming
from stoker.glue.errors import InvalidInputException, NotSupported


def _database(database: str | None, kwargs: dict[str, Any]) -> str | None:
    """Glue's older scripts say name_space=; giving both is Glue's error too."""
    name_space = kwargs.pop("name_space", None)
    if name_space is not None and database is not None:
        raise InvalidInputException(
            "Parameter name_space and database are both specified, choose one."
        )
    if kwargs:
        raise NotSupported("from_catalog", "argument(s) " + ", ".join(sorted(kwargs)))
    return database if database is not None else name_space


class DynamicFrameReader:
    """``glueContext.create_dynamic_frame``."""

    def __init__(self, glue: Any) -> None:
        self._glue = glue

    def from_options(
        self, connection_type: str, connection_options: Mapping[str, Any] | None = None,
        format: str | None = None, format_options: Mapping[str, Any] | None = None,
        transformation_ctx: str = "", push_down_predicate: str = "", **kwargs: Any,
    ) -> Any:  # fmt: skip
        _no_extra("create_dynamic_frame.from_options", kwargs)
        if (connection_type or "").lower() == "kafka":
            raise NotSupported("create_dynamic_frame.from_options", "a kafka stream as a "
                               "DynamicFrame", "use create_data_frame.from_options")  # fmt: skip
        frame, csv_text = sources.read(
            self._glue, "create_dynamic_frame.from_options", connection_type,
            connection_options or {}, format, format_options or {}, transformation_ctx,
        )  # fmt: skip
        if push_down_predicate:
            frame = frame.where(push_down_predicate)
        return sources.dynamic(self._glue, frame, csv_text, transformation_ctx)

    def from_catalog(
        self, database: str | None = None, table_name: str | None = None,
        redshift_tmp_dir: str = "", transformation_ctx: str = "", push_down_predicate: str = "",
        additional_options: Mapping[str, Any] | None = None, catalog_id: str | None = None,
        **kwargs: Any,
    ) -> Any:  # fmt: skip
        db = _database(database, kwargs)
        frame, csv_text = sources.catalog_read(
            self._glue, "create_dynamic_frame.from_catalog", db, table_name,
            ctx=transformation_ctx, push_down_predicate=push_down_predicate,
            additional_options=additional_options or {},
        )  # fmt: skip
        return sources.dynamic(self._glue, frame, csv_text, transformation_ctx)

    def from_rdd(self, *args: Any, **kwargs: Any) -> Any:
        raise NotSupported("create_dynamic_frame.from_rdd", "from_rdd",
                           "build a DataFrame and use DynamicFrame.fromDF")  # fmt: skip


class DataFrameReader:
    """``glueContext.create_data_frame``: the same sources, as Spark DataFrames."""

    def __init__(self, glue: Any) -> None:
        self._glue = glue
        self._dynamic = DynamicFrameReader(glue)

    def from_options(self, *args: Any, **kwargs: Any) -> Any:
        """A DataFrame of the source; a kafka source is a structured stream (for
        ``forEachBatch``)."""
        ctype = kwargs.get("connection_type", args[0] if args else "")
        if str(ctype).lower() == "kafka":
            options = kwargs.get("connection_options", args[1] if len(args) > 1 else None)
            return streaming.kafka_frame(
                self._glue, "create_data_frame.from_options", options or {})
        return self._dynamic.from_options(*args, **kwargs).toDF()

    def from_catalog(self, *args: Any, **kwargs: Any) -> Any:
        return self._dynamic.from_catalog(*args, **kwargs).toDF()


class DynamicFrameWriter:
    """``glueContext.write_dynamic_frame`` (and ``write_data_frame``: a DataFrame works)."""

    def __init__(self, glue: Any) -> None:
        self._glue = glue

    def from_options(
        self, frame: Any, connection_type: str = "s3",
        connection_options: Mapping[str, Any] | None = None, format: str | None = None,
        format_options: Mapping[str, Any] | None = None, transformation_ctx: str = "",
        **kwargs: Any,
    ) -> Any:  # fmt: skip
        call = "write_dynamic_frame.from_options"
        _no_extra(call, kwargs)
        df = sinks.to_df(call, frame)
        sinks.write(self._glue, call, df, connection_type, connection_options or {}, format,
                    format_options or {})  # fmt: skip
        return frame

    def from_catalog(
        self, frame: Any, database: str | None = None, table_name: str | None = None,
        redshift_tmp_dir: str = "", transformation_ctx: str = "",
        additional_options: Mapping[str, Any] | None = None, catalog_id: str | None = None,
        **kwargs: Any,
    ) -> Any:  # fmt: skip
        call = "write_dynamic_frame.from_catalog"
        db, name = sources.check_names(call, _database(database, kwargs), table_name)
        sinks.write_catalog(self._glue, call, sinks.to_df(call, frame), db, name,
                            additional_options or {})  # fmt: skip
        return frame

    def from_jdbc_conf(
        self, frame: Any, catalog_connection: str,
        connection_options: Mapping[str, Any] | None = None, redshift_tmp_dir: str = "",
        transformation_ctx: str = "", catalog_id: str | None = None,
    ) -> Any:  # fmt: skip
        call = "write_dynamic_frame.from_jdbc_conf"
        options = {**(connection_options or {}), "connectionName": catalog_connection}
        sinks.write(self._glue, call, sinks.to_df(call, frame), "jdbc", options, None, {})
        return frame


def _no_extra(call: str, kwargs: Mapping[str, Any]) -> None:
    if kwargs:
        raise NotSupported(call, "argument(s) " + ", ".join(sorted(kwargs)))
