"""Relationalize: nested records as flat tables, arrays pivoted out and joinable on their keys."""

from __future__ import annotations

from typing import Any

import pytest
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from tests.integration.glue.conftest import rows

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def persons(spark: SparkSession) -> DataFrame:
    data = [
        ("p1", ("Ann", "Lee"), [("a@x", "email"), ("555", "phone")], ["t1"]),
        ("p2", ("Bob", "Ray"), [], ["t2", "t3"]),
        ("p3", None, None, None),
    ]
    return spark.createDataFrame(
        data,
        "id string, name struct<first:string,last:string>,"
        " contacts array<struct<value:string,kind:string>>, tags array<string>",
    )


def test_tables_are_named_and_shaped_as_glue_does(persons: DataFrame, glue_ctx: Any) -> None:
    from awsglue.dynamicframe import DynamicFrame
    from awsglue.transforms import Relationalize

    dfc = Relationalize.apply(
        frame=DynamicFrame.fromDF(persons, glue_ctx, "p"), staging_path="/tmp/s", name="root"
    )
    assert dfc.keys() == ["root", "root_contacts", "root_tags"]
    assert dfc.select("root").toDF().columns == [
        "id",
        "name.first",
        "name.last",
        "contacts",
        "tags",
    ]
    assert dfc.select("root_contacts").toDF().columns == [
        "id",
        "index",
        "contacts.val.value",
        "contacts.val.kind",
    ]
    assert dfc.select("root_tags").toDF().columns == ["id", "index", "tags.val"]


def test_pivoted_arrays_join_back_to_their_rows(persons: DataFrame, glue_ctx: Any) -> None:
    from awsglue.dynamicframe import DynamicFrame

    dfc = DynamicFrame.fromDF(persons, glue_ctx, "p").relationalize("root", "/tmp/s")
    root, tags = dfc["root"].toDF(), dfc["root_tags"].toDF()
    joined = root.join(tags, root["tags"] == tags["id"]).select(
        root["id"], "index", F.col("`tags.val`")
    )
    plain = persons.select("id", F.posexplode("tags").alias("index", "tag"))
    assert rows(joined) == rows(plain)
    contacts = dfc["root_contacts"].toDF()
    joined = root.join(contacts, root["contacts"] == contacts["id"]).select(
        root["id"], "`contacts.val.kind`"
    )
    assert rows(joined) == [("p1", "email"), ("p1", "phone")]
    assert rows(root.where("contacts is null").select("id")) == [("p3",)]
