"""EvaluateDataQuality as Glue's generated scripts call it: rule outcomes and row-level outcomes."""

from __future__ import annotations

from typing import Any

import pytest
from pyspark.sql import SparkSession

pytestmark = pytest.mark.spark

DEFAULT_DATA_QUALITY_RULESET = """
    Rules = [
        ColumnCount > 0
    ]
"""


@pytest.fixture(scope="module")
def orders(spark: SparkSession, glue_ctx: Any) -> Any:
    from awsglue.dynamicframe import DynamicFrame

    data = [(1, "US", 10.0, "a"), (2, "CA", 25.5, "b"), (3, "UK", None, "b"), (4, "  ", 7.0, None)]
    df = spark.createDataFrame(data, "id int, country string, total double, code string")
    return DynamicFrame.fromDF(df, glue_ctx, "orders")


def outcome(orders: Any, rule: str) -> tuple[str, str | None, dict[str, float]]:
    from awsgluedq.transforms import EvaluateDataQuality

    result = EvaluateDataQuality().process_rows(
        frame=orders,
        ruleset=f"Rules = [ {rule} ]",
        publishing_options={
            "dataQualityEvaluationContext": "t",
            "enableDataQualityResultsPublishing": True,
        },
        additional_options={
            "observations.scope": "ALL",
            "performanceTuning.caching": "CACHE_NOTHING",
        },
    )
    (row,) = result["ruleOutcomes"].toDF().collect()
    assert row.Rule == rule
    return row.Outcome, row.FailureReason, dict(row.EvaluatedMetrics)


@pytest.mark.parametrize(
    ("rule", "expected", "metrics"),
    [
        ("ColumnCount > 0", "Passed", {"Dataset.*.ColumnCount": 4.0}),
        ("ColumnCount = 5", "Failed", {"Dataset.*.ColumnCount": 4.0}),
        ("RowCount = 4", "Passed", {"Dataset.*.RowCount": 4.0}),
        ("RowCount between 1 and 4", "Failed", {"Dataset.*.RowCount": 4.0}),
        ("RowCount between 1 and 5", "Passed", {"Dataset.*.RowCount": 4.0}),
        ("RowCount < 4", "Failed", {"Dataset.*.RowCount": 4.0}),
        ("RowCount <= 4", "Passed", {"Dataset.*.RowCount": 4.0}),
        ("RowCount != 3", "Passed", {"Dataset.*.RowCount": 4.0}),
        ("RowCount >= 5", "Failed", {"Dataset.*.RowCount": 4.0}),
        ('IsComplete "id"', "Passed", {"Column.id.Completeness": 1.0}),
        ('IsComplete "total"', "Failed", {"Column.total.Completeness": 0.75}),
        ('IsUnique "id"', "Passed", {"Column.id.Uniqueness": 1.0}),
        ('IsUnique "code"', "Failed", {"Column.code.Uniqueness": 0.25}),
        ('ColumnValues "total" > 5', "Failed", {"Column.total.ColumnValues.Compliance": 0.75}),
        ('ColumnValues "id" between 0 and 5', "Passed", {"Column.id.ColumnValues.Compliance": 1.0}),
        ('ColumnValues "id" != 2', "Failed", {"Column.id.ColumnValues.Compliance": 0.75}),
        ('ColumnValues "total" != 7', "Failed", {"Column.total.ColumnValues.Compliance": 0.75}),
        (
            'ColumnValues "country" in ["US", "CA", "UK"]',
            "Failed",
            {"Column.country.ColumnValues.Compliance": 0.75},
        ),
        (
            'ColumnValues "country" in ["US", "CA", "UK", WHITESPACES_ONLY]',
            "Passed",
            {"Column.country.ColumnValues.Compliance": 1.0},
        ),
        (
            'ColumnValues "code" in ["a", "b", NULL]',
            "Passed",
            {"Column.code.ColumnValues.Compliance": 1.0},
        ),
        (
            'ColumnValues "code" not in ["a"]',
            "Failed",
            {"Column.code.ColumnValues.Compliance": 0.75},
        ),
        ('ColumnValues "id" in [1, 2, 3, 4]', "Passed", {"Column.id.ColumnValues.Compliance": 1.0}),
        (
            'ColumnValues "country" matches "[A-Z]+"',
            "Failed",
            {"Column.country.ColumnValues.Compliance": 0.75},
        ),
        (
            'ColumnValues "total" > 5 with threshold >= 0.75',
            "Passed",
            {"Column.total.ColumnValues.Compliance": 0.75},
        ),
    ],
)
def test_rules(orders: Any, rule: str, expected: str, metrics: dict[str, float]) -> None:
    result, reason, evaluated = outcome(orders, rule)
    assert (result, evaluated) == (expected, metrics)
    assert (reason is None) == (expected == "Passed")
    if reason:
        assert reason.endswith("does not meet the constraint requirement!")


def test_null_fails_comparisons_and_passes_negations(orders: Any) -> None:
    assert outcome(orders, 'ColumnValues "total" >= 0')[0] == "Failed"
    assert outcome(orders, 'ColumnValues "total" != 1000')[0] == "Passed"


def test_row_level_outcomes_list_each_rule(orders: Any) -> None:
    from awsgluedq.transforms import EvaluateDataQuality

    ruleset = 'Rules = [ RowCount > 0, IsComplete "total", ColumnValues "id" <= 2 ]'
    rows = (
        EvaluateDataQuality().process_rows(frame=orders, ruleset=ruleset)["rowLevelOutcomes"].toDF()
    )
    assert rows.columns == [
        "id", "country", "total", "code", "DataQualityRulesPass", "DataQualityRulesFail",
        "DataQualityRulesSkip", "DataQualityEvaluationResult",
    ]  # fmt: skip
    by_id = {r.id: r for r in rows.collect()}
    assert by_id[1].DataQualityRulesPass == [
        "RowCount > 0",
        'IsComplete "total"',
        'ColumnValues "id" <= 2',
    ]
    assert (by_id[1].DataQualityRulesFail, by_id[1].DataQualityEvaluationResult) == ([], "Passed")
    assert by_id[3].DataQualityRulesFail == ['IsComplete "total"', 'ColumnValues "id" <= 2']
    assert (by_id[3].DataQualityRulesSkip, by_id[3].DataQualityEvaluationResult) == ([], "Failed")


def test_the_older_apply_returns_the_rule_outcomes(orders: Any) -> None:
    from awsgluedq.transforms import EvaluateDataQuality

    frame = EvaluateDataQuality.apply(
        frame=orders,
        ruleset=DEFAULT_DATA_QUALITY_RULESET,
        publishing_options={
            "dataQualityEvaluationContext": "EvaluateDataQuality_node1",
            "enableDataQualityResultsPublishing": True,
        },
    )
    assert frame.toDF().columns == ["Rule", "Outcome", "FailureReason", "EvaluatedMetrics"]
    assert [(r.Rule, r.Outcome) for r in frame.toDF().collect()] == [("ColumnCount > 0", "Passed")]


def test_unsupported_rules_and_unknown_columns_are_clear_errors(orders: Any) -> None:
    from awsgluedq.transforms import EvaluateDataQuality

    from stoker.glue.dq.parser import RulesetError

    with pytest.raises(RulesetError, match="'DataFreshness' is not supported"):
        EvaluateDataQuality().process_rows(
            frame=orders, ruleset='Rules = [ DataFreshness "d" <= 24 hours ]'
        )
    with pytest.raises(RulesetError, match="column 'nope' is not in the frame"):
        EvaluateDataQuality().process_rows(frame=orders, ruleset='Rules = [ IsComplete "nope" ]')
