"""A JDBC source: the rows whose bookmark keys are past the last ones a committed run took.

Glue's model: one or more key columns (``jobBookmarkKeys``) whose values only ever increase
(``jobBookmarkKeysSortOrder`` asc) or only ever decrease (desc), compared as one compound
key. When the source is created its upper bound (the compound key of the newest row) is
read once, and the frame is exactly the rows after the last committed key up to that bound,
however often the script evaluates it; rows added meanwhile belong to the next run.
Updates and deletes are not seen. Filters go to the database through Spark's JDBC
pushdown, so only the new rows cross the wire.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from functools import reduce
from typing import Any

_ORDERS = ("asc", "desc")
_PUSHDOWN = {"pushDownPredicate": "true", "pushDownAggregate": "true"}
#: Drivers on spark.jars are not visible to java.sql.DriverManager; Spark loads one itself
#: when it is named. The usual ones are named from the URL (``properties["driver"]`` wins).
DRIVERS = {
    "jdbc:sqlite:": "org.sqlite.JDBC",
    "jdbc:postgresql:": "org.postgresql.Driver",
    "jdbc:mysql:": "com.mysql.cj.jdbc.Driver",
    "jdbc:sqlserver:": "com.microsoft.sqlserver.jdbc.SQLServerDriver",
    "jdbc:oracle:": "oracle.jdbc.OracleDriver",
}


def read_jdbc(
    spark: Any,
    url: str,
    table: str,
    *,
    keys: list[str],
    sort_order: str,
    state: dict[str, Any] | None,
    window: tuple[Any, Any] | None,
    properties: dict[str, str],
) -> tuple[Any, dict[str, Any] | None, str]:
    """(the DataFrame, the source's new state or None without a bookmark, a report line)."""
    driver = next((d for prefix, d in DRIVERS.items() if url.startswith(prefix)), None)
    named = {"driver": driver} if driver is not None else {}
    table_df = (
        spark.read.format("jdbc")
        .options(**{**_PUSHDOWN, **named, **properties})
        .option("url", url)
        .option("dbtable", table)
        .load()
    )
    if state is None:
        return table_df, None, "the whole table (no bookmark)"
    _check(table_df, keys, sort_order)
    if window is not None:
        after, upto = (_last(w) for w in window)
        frame = _between(table_df, keys, sort_order, after, upto)
        return frame, None, f"rows after {after} up to {upto} (paused, from/to)"
    last = _last(state)
    upper = _upper(table_df, keys, sort_order, last)
    element = {"type": "jdbc", "table": table, "keys": keys, "order": sort_order,
               "last": encode(upper if upper is not None else last)}  # fmt: skip
    if state.get("skip_existing"):
        return table_df.limit(0), element, f"rows up to {upper} marked processed (set --now)"
    if upper is None:
        return table_df.limit(0), element, f"no rows after {last}"
    frame = _between(table_df, keys, sort_order, last, upper)
    return frame, element, f"rows after {last} up to {upper}"


def _check(frame: Any, keys: list[str], sort_order: str) -> None:
    if not keys:
        raise ValueError("a bookmarked JDBC source needs keys (jobBookmarkKeys): columns "
                         "whose values only increase, e.g. an id or an insert time")  # fmt: skip
    if sort_order not in _ORDERS:
        raise ValueError(f"sort_order {sort_order!r} is not one of: {', '.join(_ORDERS)}")
    missing = [k for k in keys if k not in frame.columns]
    if missing:
        raise ValueError(
            f"bookmark key(s) {', '.join(missing)} are not columns of the table; its columns: "
            + ", ".join(frame.columns)
        )


def _last(state: dict[str, Any] | None) -> list[Any] | None:
    if not state or state.get("last") is None:
        return None
    return [decode(v) for v in state["last"]]


def _upper(
    frame: Any, keys: list[str], sort_order: str, last: list[Any] | None
) -> list[Any] | None:
    """The compound key of the newest row after ``last`` (None: no such row), key by key:
    the extreme of the first key, then of the second among rows with that first, …"""
    from pyspark.sql import functions as F  # noqa: N812 - pyspark's own convention

    pick = F.max if sort_order == "asc" else F.min
    rows = frame if last is None else frame.where(_past(keys, sort_order, last))
    found: list[Any] = []
    for key in keys:
        value = rows.agg(pick(key).alias("v")).collect()[0]["v"]
        if value is None:
            return None
        found.append(value)
        rows = rows.where(F.col(key) == F.lit(value))
    return found


def _between(
    frame: Any, keys: list[str], sort_order: str, after: list[Any] | None, upto: list[Any] | None
) -> Any:
    from pyspark.sql import functions as F  # noqa: N812 - pyspark's own convention

    if upto is None:
        return frame.limit(0)
    condition = ~_past(keys, sort_order, upto)
    if after is not None:
        condition = condition & _past(keys, sort_order, after)
    return frame.where(condition if condition is not None else F.lit(True))


def _past(keys: list[str], sort_order: str, bound: list[Any]) -> Any:
    """Rows whose compound key comes after ``bound`` in the key's order (lexicographic)."""
    from pyspark.sql import functions as F  # noqa: N812 - pyspark's own convention

    def beyond(column: Any, value: Any) -> Any:
        return column > F.lit(value) if sort_order == "asc" else column < F.lit(value)

    terms = []
    for i, key in enumerate(keys):
        equal = [F.col(k) == F.lit(v) for k, v in zip(keys[:i], bound[:i], strict=True)]
        terms.append(reduce(lambda a, b: a & b, [*equal, beyond(F.col(key), bound[i])]))
    return reduce(lambda a, b: a | b, terms)


def encode(values: list[Any] | None) -> list[dict[str, str]] | None:
    """Key values as JSON that keeps their type (the bookmark is JSON)."""
    if values is None:
        return None
    return [_encode(v) for v in values]


def _encode(value: Any) -> dict[str, str]:
    if isinstance(value, bool) or not isinstance(
        value, int | float | Decimal | str | dt.datetime | dt.date
    ):
        raise ValueError(f"a bookmark key value of type {type(value).__name__} is not supported; "
                         "keys are numbers, strings, dates or timestamps")  # fmt: skip
    kinds = {int: "int", float: "float", Decimal: "decimal", str: "string",
             dt.datetime: "timestamp", dt.date: "date"}  # fmt: skip
    kind = next(k for t, k in kinds.items() if type(value) is t or isinstance(value, t))
    text = value.isoformat() if isinstance(value, dt.date) else str(value)
    return {"type": kind, "value": text}


def decode(item: dict[str, str]) -> Any:
    kind, text = item["type"], item["value"]
    readers: dict[str, Callable[[str], Any]] = {
        "int": int, "float": float, "decimal": Decimal, "string": str,
        "timestamp": dt.datetime.fromisoformat, "date": dt.date.fromisoformat,
    }  # fmt: skip
    return readers[kind](text)
