"""Fixtures every test may use: the test PostgreSQL and Kafka, and Spark bound to loopback."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import pytest
import sqlalchemy as sa
from kafka import KafkaAdminClient
from kafka.errors import KafkaError

if TYPE_CHECKING:
    from tests.support.spark_cluster import Cluster

# Spark binds to the external interface unless told otherwise; set before any session starts.
os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
# Every JVM the tests start (Spark drivers of the daemons, spark-submit, standalone clusters)
# runs short: the optimising JIT's compiler threads are CPU the 2 cores of CI need more, and
# a driver starts in ~8 s instead of ~20 s on a loaded machine. Semantics are the JVM's own
# either way; production JVMs keep the defaults (docs/development.md).
os.environ.setdefault("JAVA_TOOL_OPTIONS", "-XX:TieredStopAtLevel=1")

# STOKER_TEST_* configure the test services, not stoker: taken out of the environment so
# load_settings() and the daemons tests start (which reject unknown STOKER_* names) never
# see them. Tests get the URL from the pg_url fixture.
_TEST_SETTINGS = {
    name: os.environ.pop(name) for name in list(os.environ) if name.startswith("STOKER_TEST_")
}


def in_ci() -> bool:
    """CI=true: a missing service is a failure there, never a silent skip."""
    return os.environ.get("CI", "").lower() in ("true", "1")


def service_unavailable(reason: str) -> NoReturn:
    """Fail under CI, skip elsewhere; shared by fixtures for every external service."""
    if in_ci():
        pytest.fail(f"{reason} (CI=true: services are required)", pytrace=False)
    pytest.skip(reason)


def required_binary(name: str) -> str:
    """The path of a tool the project's scripts install; fails under CI, skips elsewhere."""
    found = shutil.which(name)
    if found is None:
        service_unavailable(f"{name} is not installed (scripts/test-deps.sh installs it)")
    return found


@pytest.fixture(scope="session")
def pg_url() -> str:
    """SQLAlchemy URL of the test PostgreSQL (`make test` or `make pg-up` provides it)."""
    url = _TEST_SETTINGS.get("STOKER_TEST_PG_URL", "")
    if not url:
        service_unavailable(
            "STOKER_TEST_PG_URL is not set: run `make test`, or `make pg-up` and export "
            "STOKER_TEST_PG_URL=$(scripts/postgres.sh url)"
        )
    engine = sa.create_engine(url, connect_args={"connect_timeout": 5})
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError as exc:
        service_unavailable(f"PostgreSQL at STOKER_TEST_PG_URL is unreachable: {exc}")
    finally:
        engine.dispose()
    return url


@pytest.fixture(scope="session")
def kafka_bootstrap() -> str:
    """host:port of the test Kafka broker (`make kafka-up`, or scripts/kafka.sh up, provides it)."""
    bootstrap = _TEST_SETTINGS.get("STOKER_TEST_KAFKA_BOOTSTRAP", "")
    if not bootstrap:
        service_unavailable(
            "STOKER_TEST_KAFKA_BOOTSTRAP is not set: run `make test`, or `make kafka-up` and "
            "export STOKER_TEST_KAFKA_BOOTSTRAP=$(scripts/kafka.sh bootstrap)"
        )
    # A real Kafka request, not just an open port: the broker must answer metadata requests.
    try:
        admin = KafkaAdminClient(
            bootstrap_servers=bootstrap,
            bootstrap_timeout_ms=10_000,
            request_timeout_ms=10_000,
            client_id="stoker-tests",
        )
        try:
            admin.list_topics()
        finally:
            admin.close()
    except (KafkaError, OSError, ValueError) as exc:
        service_unavailable(
            f"Kafka at STOKER_TEST_KAFKA_BOOTSTRAP={bootstrap} does not answer: {exc!r}"
        )
    return bootstrap


@pytest.fixture(scope="session")
def jdbc_jars() -> str:
    """The JDBC driver jars for Spark (`scripts/jdbc-drivers.sh`, run by `make test`), as
    the comma-separated list spark.jars takes."""
    script = Path(__file__).resolve().parents[1] / "scripts" / "jdbc-drivers.sh"
    done = subprocess.run([str(script)], capture_output=True, text=True, timeout=300, check=False)
    if done.returncode != 0:
        service_unavailable(f"JDBC drivers are not available: {done.stderr.strip()}")
    return done.stdout.strip()


@pytest.fixture(scope="session")
def standalone_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """One Spark standalone master and worker (6 cores, 3 GiB: up to three isolated runs at
    once, a cluster-mode one a driver and an executor) for every test that needs a cluster:
    starting one costs ~10 s. Each test's applications end with the test."""
    from tests.support.spark_cluster import spark_cluster  # it imports this module

    with spark_cluster(tmp_path_factory.mktemp("cluster"), cores=6, memory="3g") as running:
        yield running
