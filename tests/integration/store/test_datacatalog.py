"""The Data Catalog's store over SQLite and PostgreSQL: rows, cascades, pages, upserts."""

from __future__ import annotations

import pytest

from stoker.domain.datacatalog import (
    CatalogDatabase,
    CatalogTable,
    Column,
    Connection,
    Partition,
    validate_table,
)
from stoker.errors import Conflict, NotFound
from stoker.store.datacatalog import CatalogStore
from stoker.store.engine import Database
from tests.integration.store.conftest import Clock


def orders(**fields: object) -> CatalogTable:
    base: dict[str, object] = {
        "database": "sales", "name": "orders", "location": "s3://raw/orders/", "format": "csv",
        "format_options": {"withHeader": True}, "columns": (Column("id", "bigint"),),
        "partition_keys": (Column("day", "string"),), "parameters": {"classification": "csv"},
    }  # fmt: skip
    return validate_table(CatalogTable(**{**base, **fields}))  # type: ignore[arg-type]


@pytest.fixture
def store(db: Database) -> CatalogStore:
    return CatalogStore(db)


def test_tables_round_trip_and_go_with_their_database(store: CatalogStore, clock: Clock) -> None:
    store.create_database(CatalogDatabase("sales", "d", None, {"k": "v"}), clock())
    with pytest.raises(Conflict):
        store.create_database(CatalogDatabase("sales"), clock())
    created = store.create_table(orders(), clock())
    assert created.fields() == orders().fields() and created.created_on == clock()
    with pytest.raises(Conflict):
        store.create_table(orders(), clock())
    later = clock.tick()
    replaced, new = store.put_table(orders(format="json"), later)
    assert not new and replaced.format == "json" and replaced.updated_on == later
    assert replaced.created_on < later
    _, new = store.put_table(orders(name="returns"), later)
    assert new and [t.name for t in store.list_tables("sales", 10, None)] == ["orders", "returns"]
    assert [t.name for t in store.list_tables("sales", 1, "orders")] == ["returns"]
    store.add_partitions("sales", "orders", [Partition(("2024-01-01",), "/p")], clock())
    store.delete_database("sales")
    with pytest.raises(NotFound, match="database 'sales'"):
        store.get_table("sales", "orders")
    store.create_database(CatalogDatabase("sales"), clock())
    store.create_table(orders(), clock())
    assert store.list_partitions("sales", "orders", 10, None) == []


def test_partitions_upsert_by_values(store: CatalogStore, clock: Clock) -> None:
    store.create_database(CatalogDatabase("sales"), clock())
    store.create_table(orders(), clock())
    first = [Partition(("2024-01-01",), "/a"), Partition(("2024-01-02",), None)]
    assert store.add_partitions("sales", "orders", first, clock()) == 2
    assert store.add_partitions("sales", "orders", [Partition(("2024-01-02",), "/b")],
                                clock()) == 0  # fmt: skip
    found = {p.values: p.location for _, p in store.list_partitions("sales", "orders", 10, None)}
    assert found == {("2024-01-01",): "/a", ("2024-01-02",): "/b"}
    key, _ = store.list_partitions("sales", "orders", 1, None)[0]
    assert len(store.list_partitions("sales", "orders", 10, key)) == 1
    store.delete_table("sales", "orders")
    with pytest.raises(NotFound, match=r"table sales\.orders"):
        store.list_partitions("sales", "orders", 10, None)


def test_connections_keep_their_password_for_runs(store: CatalogStore, clock: Clock) -> None:
    link = Connection("pg", "jdbc:postgresql://db/sales", "etl", "s3cret", {"ssl": "true"})
    created = store.create_connection(link, clock())
    assert created.password == "s3cret" and created.properties == {"ssl": "true"}
    with pytest.raises(Conflict):
        store.create_connection(link, clock())
    assert [c.name for c in store.list_connections(10, None)] == ["pg"]
    databases, tables, links = store.everything()
    assert (databases, tables, [c.password for c in links]) == ([], [], ["s3cret"])
    store.delete_connection("pg")
    with pytest.raises(NotFound):
        store.delete_connection("pg")


def test_a_runs_update_line(store: CatalogStore, clock: Clock) -> None:
    with pytest.raises(NotFound, match="database 'sales'"):
        store.apply_line(orders(), None, clock())
    store.create_database(CatalogDatabase("sales"), clock())
    store.apply_line(orders(), None, clock())
    store.apply_line(None, ("sales", "orders", (Partition(("d1",), "/d1"),)), clock())
    assert [p.values for _, p in store.list_partitions("sales", "orders", 10, None)] == [("d1",)]
    with pytest.raises(NotFound, match=r"table sales\.nope"):
        store.apply_line(None, ("sales", "nope", ()), clock())


def test_a_database_is_updated_in_place_and_a_description_kept(
    store: CatalogStore, clock: Clock
) -> None:
    made = store.create_database(CatalogDatabase("sales", "d", None, {"k": "v"}), clock())
    updated = store.update_database(CatalogDatabase("sales", "new", "/lake", {"a": "b"}))
    assert (updated.description, updated.location, updated.parameters) == (
        "new", "/lake", {"a": "b"})  # fmt: skip
    assert updated.created_on == made.created_on
    with pytest.raises(NotFound, match="database 'nope'"):
        store.update_database(CatalogDatabase("nope"))
    described = store.create_table(orders(description="one line an order"), clock())
    assert store.get_table("sales", "orders").description == described.description != ""
