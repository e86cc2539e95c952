"""The DQDL subset parser: what it reads, and the errors that say what and where."""

from __future__ import annotations

import pytest

from stoker.glue.dq.parser import Expression, Rule, RulesetError, parse

GLUE_STUDIO_DEFAULT = """
    # Example rules: Completeness "colA" between 0.4 and 0.8, ColumnCount > 10
    Rules = [
        ColumnCount > 0
    ]
"""


def test_glue_studios_default_ruleset() -> None:
    assert parse(GLUE_STUDIO_DEFAULT) == [
        Rule("ColumnCount", None, Expression(">", (0.0,)), "ColumnCount > 0")
    ]


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("RowCount >= 10", Rule("RowCount", None, Expression(">=", (10.0,)), "RowCount >= 10")),
        (
            "RowCount between 1 and 5",
            Rule("RowCount", None, Expression("between", (1.0, 5.0)), "RowCount between 1 and 5"),
        ),
        ('IsComplete "id"', Rule("IsComplete", "id", None, 'IsComplete "id"')),
        ('IsUnique "order-id"', Rule("IsUnique", "order-id", None, 'IsUnique "order-id"')),
        (
            'ColumnValues "n" != 3',
            Rule("ColumnValues", "n", Expression("!=", (3.0,)), 'ColumnValues "n" != 3'),
        ),
        (
            'ColumnValues "c" in [ "US", "CA", NULL ]',
            Rule(
                "ColumnValues",
                "c",
                Expression("in", ("US", "CA", "NULL")),
                'ColumnValues "c" in [ "US", "CA", NULL ]',
            ),
        ),
        (
            'ColumnValues "c" not in [1, 2]',
            Rule(
                "ColumnValues",
                "c",
                Expression("not in", (1.0, 2.0)),
                'ColumnValues "c" not in [1, 2]',
            ),
        ),
        (
            'ColumnValues "f" matches "[a-z]*"',
            Rule(
                "ColumnValues",
                "f",
                Expression("matches", ("[a-z]*",)),
                'ColumnValues "f" matches "[a-z]*"',
            ),
        ),
        (
            'ColumnValues "n" > 0 with threshold > 0.5',
            Rule(
                "ColumnValues",
                "n",
                Expression(">", (0.0,)),
                'ColumnValues "n" > 0 with threshold > 0.5',
                Expression(">", (0.5,)),
            ),
        ),
    ],
)
def test_each_supported_rule(text: str, rule: Rule) -> None:
    assert parse(f"Rules = [ {text} ]") == [rule]


def test_a_hash_inside_a_string_is_no_comment() -> None:
    rules = parse('Rules = [ ColumnValues "c" in ["#1", "a"]  # the allowed codes\n]')
    assert rules[0].expression == Expression("in", ("#1", "a"))


def test_several_rules_keep_their_order() -> None:
    rules = parse('Rules = [RowCount > 0, IsComplete "a",\n ColumnCount = 3]')
    assert [r.text for r in rules] == ["RowCount > 0", 'IsComplete "a"', "ColumnCount = 3"]


@pytest.mark.parametrize(
    ("ruleset", "message"),
    [
        ('Rules = [ Mean "x" > 3 ]', "rule type 'Mean' is not supported"),
        ('Rules = [ CustomSql "select 1" ]', "'CustomSql' is not supported"),
        ('Rules = [ (IsComplete "a") and (IsUnique "a") ]', "composite rules"),
        ('Rules = [ IsComplete "a" where "b > 1" ]', "where clauses"),
        ("Rules = [ RowCount > ]", "expected a number, a string or NULL"),
        ("Rules = [ RowCount > 1", "ruleset ended"),
        ("Rules = [ RowCount > 1 RowCount < 3 ]", "expected ',' or ']'"),
        ("Analyzers = [ RowCount ]", "only Rules are supported"),
        ("Rules = [ IsComplete id ]", "quoted string"),
        ("Rules = [ RowCount ~ 1 ]", "unexpected character '~'"),
        ("Rules = [ RowCount between 1 or 3 ]", "expected 'and'"),
        ("", "ruleset ended"),
    ],
)
def test_errors_name_the_problem(ruleset: str, message: str) -> None:
    with pytest.raises(RulesetError, match=message.replace("(", r"\(").replace("[", r"\[")):
        parse(ruleset)
