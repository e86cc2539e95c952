"""Evaluating DQDL rules on a DataFrame: Glue's rule outcomes and row-level outcomes.

Rule outcomes have Glue's columns ``Rule``, ``Outcome`` (Passed/Failed), ``FailureReason``
and ``EvaluatedMetrics`` (Glue's metric names, e.g. ``Dataset.*.RowCount``,
``Column.id.Completeness``). Row-level outcomes are the input rows with
``DataQualityRulesPass``, ``DataQualityRulesFail``, ``DataQualityRulesSkip`` and
``DataQualityEvaluationResult``; a dataset-level rule (ColumnCount, RowCount) lists every
row under its dataset outcome. All metrics come from one aggregation pass.
"""
# ruff: noqa: N812 - pyspark's own F/T convention

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F
from pyspark.sql import types as T

from stoker.glue.dq.parser import Expression, Rule, RulesetError

_COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "=": operator.eq,
    "!=": operator.ne,
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
}
_ROW_LEVEL = ("IsComplete", "IsUnique", "ColumnValues")
OUTCOME_SCHEMA = T.StructType(
    [
        T.StructField("Rule", T.StringType()),
        T.StructField("Outcome", T.StringType()),
        T.StructField("FailureReason", T.StringType()),
        T.StructField("EvaluatedMetrics", T.MapType(T.StringType(), T.DoubleType())),
    ]
)


@dataclass(frozen=True)
class Outcome:
    """One rule's result."""

    rule: Rule
    passed: bool
    metrics: dict[str, float]
    reason: str | None


def holds(expression: Expression, value: float) -> bool:
    """Whether an aggregate value meets a rule's expression."""
    if expression.op == "between":
        low, high = expression.operands
        return bool(low < value < high)  # type: ignore[operator]
    if expression.op in _COMPARE and isinstance(expression.operands[0], float):
        return bool(_COMPARE[expression.op](value, expression.operands[0]))
    raise ValueError(f"cannot compare a figure with {expression.op} {expression.operands}")


def _special(value: Column, operand: object) -> Column:
    if operand == "NULL":
        return value.isNull()
    if operand == "EMPTY":
        return value.cast(T.StringType()) == ""
    if operand == "WHITESPACES_ONLY":
        return value.cast(T.StringType()).rlike(r"^\s+$")
    literal = operand if isinstance(operand, str) else F.lit(operand)
    return value.cast(T.StringType()) == literal if isinstance(operand, str) else value == literal


def row_condition(expression: Expression, value: Column) -> Column:
    """Whether one value meets a ColumnValues expression; null fails except for != and not in."""
    op, operands = expression.op, expression.operands
    if op in ("in", "not in"):
        inside = F.lit(False)
        for operand in operands:
            inside = inside | F.coalesce(_special(value, operand), F.lit(False))
        return ~inside if op == "not in" else inside
    if op == "matches":
        return F.coalesce(value.cast(T.StringType()).rlike(str(operands[0])), F.lit(False))
    if op == "between":
        return F.coalesce((value > F.lit(operands[0])) & (value < F.lit(operands[1])), F.lit(False))
    if operands[0] == "NULL":
        return value.isNull() if op == "=" else value.isNotNull()
    compared = _COMPARE[op](value, F.lit(operands[0]))
    return F.coalesce(compared, F.lit(op == "!="))


def _flag(df: DataFrame, rule: Rule) -> Column:
    value = F.col("`" + (rule.column or "").replace("`", "``") + "`")
    if rule.kind == "IsComplete":
        return value.isNotNull()
    if rule.kind == "IsUnique":
        return value.isNotNull() & (F.count(F.lit(1)).over(Window.partitionBy(value)) == 1)
    assert rule.expression is not None
    return row_condition(rule.expression, value)


def _require_columns(df: DataFrame, rules: list[Rule]) -> None:
    for rule in rules:
        if rule.column is not None and rule.column not in df.columns:
            raise RulesetError(
                f"DQDL rule {rule.text!r}: column {rule.column!r} is not in the frame "
                f"(it has {df.columns})",
                field="ruleset",
            )


def evaluate(df: DataFrame, rules: list[Rule]) -> tuple[list[Outcome], DataFrame]:
    """Each rule's outcome, and the rows with their row-level outcomes."""
    _require_columns(df, rules)
    flags = {i: _flag(df, r) for i, r in enumerate(rules) if r.kind in _ROW_LEVEL}
    flagged = df.select("*", *[c.alias(f"__dq_{i}") for i, c in flags.items()])
    sums = [F.sum(F.col(f"__dq_{i}").cast("long")).alias(f"__dq_{i}") for i in flags]
    totals = flagged.agg(F.count(F.lit(1)).alias("rows"), *sums).first()
    figures = totals.asDict() if totals else {}
    rows = int(figures.get("rows") or 0)
    outcomes = [
        _outcome(r, rows, len(df.columns), int(figures.get(f"__dq_{i}") or 0))
        for i, r in enumerate(rules)
    ]
    return outcomes, _row_level(flagged, df.columns, outcomes, flags)


def _outcome(rule: Rule, rows: int, columns: int, passing: int) -> Outcome:
    if rule.kind in ("ColumnCount", "RowCount"):
        figure = float(columns if rule.kind == "ColumnCount" else rows)
        assert rule.expression is not None
        return _judged(rule, {f"Dataset.*.{rule.kind}": figure}, figure, rule.expression)
    ratio = passing / rows if rows else 1.0
    name = {"IsComplete": "Completeness", "IsUnique": "Uniqueness"}.get(
        rule.kind, "ColumnValues.Compliance"
    )
    metrics = {f"Column.{rule.column}.{name}": ratio}
    return _judged(rule, metrics, ratio, rule.threshold or Expression("=", (1.0,)))


def _judged(
    rule: Rule, metrics: dict[str, float], figure: float, expression: Expression
) -> Outcome:
    passed = holds(expression, figure)
    shown = int(figure) if figure.is_integer() else round(figure, 4)
    reason = None if passed else f"Value: {shown} does not meet the constraint requirement!"
    return Outcome(rule, passed, metrics, reason)


def _row_level(
    flagged: DataFrame, columns: list[str], outcomes: list[Outcome], flags: dict[int, Column]
) -> DataFrame:
    passes, fails = [], []
    for i, outcome in enumerate(outcomes):
        text = F.lit(outcome.rule.text)
        if i in flags:
            flag = F.coalesce(F.col(f"__dq_{i}"), F.lit(False))
            passes.append(F.when(flag, text))
            fails.append(F.when(~flag, text))
        else:
            (passes if outcome.passed else fails).append(text)
    failed = F.array_compact(F.array(*fails)) if fails else F.array().cast("array<string>")
    return flagged.select(
        *[F.col("`" + c.replace("`", "``") + "`") for c in columns],
        (F.array_compact(F.array(*passes)) if passes else F.array().cast("array<string>")).alias(
            "DataQualityRulesPass"
        ),
        failed.alias("DataQualityRulesFail"),
        F.array().cast("array<string>").alias("DataQualityRulesSkip"),
        F.when(F.size(failed) > 0, F.lit("Failed"))
        .otherwise(F.lit("Passed"))
        .alias("DataQualityEvaluationResult"),
    )


def outcome_rows(outcomes: list[Outcome]) -> list[tuple[Any, ...]]:
    """The rule outcomes as rows of OUTCOME_SCHEMA."""
    return [
        (o.rule.text, "Passed" if o.passed else "Failed", o.reason, o.metrics) for o in outcomes
    ]
