"""Glue's field paths, mapping tuples, and the schema of records a map function returns."""

from __future__ import annotations

import datetime

import pytest
from pyspark.sql import types as T

from stoker.errors import InvalidInput
from stoker.glue.transforms.errors import GlueNotSupported
from stoker.glue.transforms.mapping import normalise
from stoker.glue.transforms.paths import canonical, split_path
from stoker.glue.transforms.schema_infer import coerce, infer_schema, merge, signature


@pytest.mark.parametrize(
    ("path", "segments"),
    [
        ("a", ["a"]),
        ("a.b.c", ["a", "b", "c"]),
        ("`a.b`.c", ["a.b", "c"]),
        ("`this.old.name`", ["this.old.name"]),
    ],
)
def test_split_path(path: str, segments: list[str]) -> None:
    assert split_path(path) == segments


def test_bad_paths() -> None:
    with pytest.raises(InvalidInput, match="back-tick"):
        split_path("`a.b")
    with pytest.raises(InvalidInput, match="empty name"):
        split_path("a..b")
    with pytest.raises(GlueNotSupported, match="array paths"):
        split_path("myList[].price")


def test_names_match_case_insensitively_exact_first() -> None:
    schema = T.StructType(
        [
            T.StructField("Id", T.IntegerType()),
            T.StructField("addr", T.StructType([T.StructField("City", T.StringType())])),
        ]
    )
    assert canonical(schema, ["id"]) == ["Id"]
    assert canonical(schema, ["ADDR", "city"]) == ["addr", "City"]
    assert canonical(schema, ["Id", "x"]) is None


@pytest.mark.parametrize(
    ("mapping", "source", "target", "kind"),
    [
        (("a", "string", "b", "long"), ["a"], ["b"], T.LongType()),
        (("a", "b"), ["a"], ["b"], None),
        (("a", "int", "b"), ["a"], ["b"], T.IntegerType()),
        (("a", "b", "double"), ["a"], ["b"], T.DoubleType()),
        (("`x.y`", "struct", "z.w", "struct"), ["x.y"], ["z", "w"], None),
    ],
)
def test_mapping_tuples(
    mapping: tuple[str, ...], source: list[str], target: list[str], kind: T.DataType | None
) -> None:
    normalised = normalise(mapping)
    assert (normalised.source, normalised.target, normalised.target_type) == (source, target, kind)


def test_a_mapping_of_another_length_is_an_error() -> None:
    with pytest.raises(InvalidInput, match="a mapping is"):
        normalise(("a",))


def test_shapes_merge_and_become_a_schema() -> None:
    first = signature(
        {"n": 1, "x": 1.5, "when": datetime.date(2026, 1, 1), "tags": ["a"], "sub": {"k": None}}
    )
    second = signature({"n": None, "x": 2, "v": "s", "sub": {"k": True}})
    shape = merge(merge(None, first), second)
    hint = T.StructType([T.StructField("n", T.IntegerType())])
    schema = infer_schema(shape, hint)
    assert (
        schema.simpleString()
        == "struct<n:int,x:double,when:date,tags:array<string>,sub:struct<k:boolean>,v:string>"
    )
    assert coerce({"n": 3, "x": 2, "v": "s"}, schema) == (3, 2.0, None, None, None, "s")


def test_disagreeing_scalars_make_a_choice_and_values_fill_their_part() -> None:
    shape = merge(signature({"v": 1}), signature({"v": "one"}))
    schema = infer_schema(shape, T.StructType([]))
    assert schema["v"].dataType.simpleString() == "struct<long:bigint,string:string>"
    assert coerce({"v": "one"}, schema) == ((None, "one"),)
    assert coerce({"v": 7}, schema) == ((7, None),)


def test_a_value_that_does_not_fit_raises() -> None:
    schema = T.StructType([T.StructField("n", T.IntegerType())])
    with pytest.raises(ValueError, match="does not fit int"):
        coerce({"n": 2**40}, schema)
