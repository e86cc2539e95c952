"""getResolvedOptions' observable rules, table-driven (no Spark)."""

from __future__ import annotations

from typing import Any

import pytest

from stoker.glue.options import GlueArgumentError, get_resolved_options

RUN = ["script.py", "--JOB_NAME", "orders", "--JOB_ID", "j_1", "--JOB_RUN_ID", "jr_1"]
GLUE_KEYS = {"job_bookmark_option", "job_bookmark_from", "job_bookmark_to", "JOB_ID",
             "JOB_RUN_ID", "SECURITY_CONFIGURATION", "encryption_type", "enable_data_lineage",
             "RedshiftTempDir", "TempDir"}  # fmt: skip

# (argv after RUN, requested names, expected subset of the answer)
RESOLVED: list[tuple[str, list[str], list[str], dict[str, Any]]] = [
    ("requested names come back without dashes", ["--day", "1"], ["JOB_NAME", "day"],
     {"JOB_NAME": "orders", "day": "1"}),
    ("Glue's own keys always come back", [], [],
     {"JOB_RUN_ID": "jr_1", "JOB_ID": "j_1", "job_bookmark_option": "job-bookmark-disable",
      "TempDir": None, "job_bookmark_from": None, "job_bookmark_to": None}),
    ("hyphens in a requested name become underscores", ["--my-opt", "x"], ["my-opt"],
     {"my_opt": "x"}),
    ("the last of a repeated argument wins", ["--day", "1", "--day", "2"], ["day"],
     {"day": "2"}),
    ("--key=value is one argument", ["--day=3"], ["day"], {"day": "3"}),
    ("unknown arguments are ignored",
     ["--other", "1", "--stoker-glue-context", "/p", "--day", "x"], ["day"], {"day": "x"}),
    ("the bookmark option is passed through", ["--job-bookmark-option", "job-bookmark-enable"],
     [], {"job_bookmark_option": "job-bookmark-enable"}),
    ("a paused window has both ends",
     ["--job-bookmark-option", "job-bookmark-pause", "--job-bookmark-from", "jr_a",
      "--job-bookmark-to", "jr_b"], [],
     {"job_bookmark_from": "jr_a", "job_bookmark_to": "jr_b"}),
    ("asking for a Glue key again is fine", ["--TempDir", "s3://t/"], ["TempDir"],
     {"TempDir": "s3://t/"}),
    ("asking with the dashes is fine", ["--day", "4"], ["--day"], {"day": "4"}),
]

# (argv after RUN, requested names, the message's text)
REFUSED: list[tuple[str, list[str], list[str], str]] = [
    ("a missing requested option", [], ["day"], "the following arguments are required: --day"),
    ("every missing option is named", ["--a", "1"], ["a", "b", "c"],
     "the following arguments are required: --b, --c"),
    ("a bookmark option outside Glue's three", ["--job-bookmark-option", "on"], [],
     "argument --job-bookmark-option: invalid choice: 'on'"),
    ("from without to", ["--job-bookmark-option", "job-bookmark-pause",
                         "--job-bookmark-from", "jr_a"], [], "must be given together"),
    ("from/to without pause", ["--job-bookmark-from", "jr_a", "--job-bookmark-to", "jr_b"], [],
     "valid only with --job-bookmark-option job-bookmark-pause"),
    ("a reserved name", ["--conf", "x"], ["conf"], "argument --conf is reserved by AWS Glue"),
    ("a requested option without its value", ["--day"], ["day"],
     "argument --day: expected one argument"),
]


@pytest.mark.parametrize(("case", "argv", "names", "expected"), RESOLVED,
                         ids=[c[0] for c in RESOLVED])  # fmt: skip
def test_resolved(case: str, argv: list[str], names: list[str], expected: dict[str, Any]) -> None:
    answer = get_resolved_options([*RUN, *argv], names)
    assert {k: answer[k] for k in expected} == expected
    assert set(answer) >= GLUE_KEYS
    assert "stoker_glue_context" not in answer and "other" not in answer


@pytest.mark.parametrize(("case", "argv", "names", "message"), REFUSED,
                         ids=[c[0] for c in REFUSED])  # fmt: skip
def test_refused(case: str, argv: list[str], names: list[str], message: str) -> None:
    with pytest.raises(GlueArgumentError) as raised:
        get_resolved_options([*RUN, *argv], names)
    assert message in str(raised.value)


def test_the_error_is_importable_from_awsglue_utils() -> None:
    from stoker.glue.testing import enable

    enable()
    from awsglue.utils import GlueArgumentError as Imported
    from awsglue.utils import getResolvedOptions

    assert Imported is GlueArgumentError
    assert getResolvedOptions(RUN, ["JOB_NAME"])["JOB_NAME"] == "orders"
