"""docker/compose.yaml's command lines, run on this host: containers cannot run here.

`stoker config show` takes each daemon's exact compose environment; the JVM parses the Spark
master's and worker's exact arguments; and the stack itself, with only the addresses
changed (this host's PostgreSQL, Kafka and free ports for the compose services' names):
the master and worker started by the compose commands and found healthy by the compose
health checks, stoker-1's daemon on them with its compose settings, healthy, scraped as
Prometheus scrapes it, running the example job on the cluster.
tests/unit/deploy/test_docker_compose.py checks the file itself.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from tests.acceptance.conftest import base_env, ok, ok_json, stoker
from tests.conftest import required_binary
from tests.support.compose import DAEMONS, DOCKER, REPO, command, environment, load_compose
from tests.support.daemon import DaemonProcess, free_port

TOKEN = "tok-" + secrets.token_hex(8)
HEALTHCHECK = DOCKER / "healthcheck.py"
#: The image has the repository here (docker/Dockerfile: WORKDIR, COPY . .).
IMAGE_ROOT = "/opt/stoker"
READY_SECONDS = 120.0


@pytest.fixture(scope="module")
def services() -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = load_compose()["services"]
    return found


def _on_host(args: list[str]) -> list[str]:
    """Image paths of the repository's files → this checkout's."""
    return [str(REPO / a.removeprefix(IMAGE_ROOT + "/")) if a.startswith(IMAGE_ROOT) else a
            for a in args]  # fmt: skip


def _replace_options(args: list[str], values: dict[str, str]) -> list[str]:
    out = list(args)
    for i, arg in enumerate(args[:-1]):
        if arg in values:
            out[i + 1] = values[arg]
    return out


@pytest.mark.parametrize("name", DAEMONS)
def test_config_show_takes_each_daemon_s_compose_environment(
    services: dict[str, dict[str, Any]], name: str,
) -> None:  # fmt: skip
    env = environment(services[name], {"STOKER_API_TOKEN": TOKEN})
    result = stoker("config", "show", "-o", "json", env=env)
    shown = ok_json(result)
    assert TOKEN not in result.stdout + result.stderr
    assert shown["api"]["tokens"] == ["****"]
    assert shown["database"]["url"] == "postgresql+psycopg://stoker:****@postgres:5432/stoker"
    assert shown["api"]["host"] == "0.0.0.0"
    assert shown["api"]["port"] == int(env["STOKER_API__PORT"])
    assert shown["api"]["allowed_hosts"] == [name, "localhost", "127.0.0.1"]
    assert shown["spark"]["master"] == "spark://spark-master:7077"
    assert shown["spark"]["conf"]["spark.driver.host"] == name
    assert shown["kafka"]["bootstrap_servers"] == "kafka:9092"
    assert shown["metrics"]["require_auth"] is True
    assert shown["glue_api"]["enabled"] is False
    assert shown["data_dir"] == f"{IMAGE_ROOT}/stoker-data"
    assert shown["daemon"]["example_jobs_dir"] == f"{IMAGE_ROOT}/examples"


@pytest.mark.parametrize(("name", "usage"), [("spark-master", "Usage: Master"),
                                             ("spark-worker", "Usage: Worker")])  # fmt: skip
def test_spark_parses_the_compose_spark_commands(
    services: dict[str, dict[str, Any]], name: str, usage: str,
) -> None:  # fmt: skip
    """Spark's argument parsers stop at --help (exit 0) only if every argument before it is
    one they accept (an unknown option or a bad --memory exits 1)."""
    required_binary("java")
    args = _on_host(command(services[name], {}))
    env = {**base_env(), "SPARK_CLASS_PYTHON": sys.executable}
    done = subprocess.run([*args, "--help"], env=env, capture_output=True, text=True,
                          timeout=120, check=False)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert usage in done.stdout + done.stderr
    wrong = [*args[:-1], "--no-such-option", args[-1], "--help"]
    refused = subprocess.run(wrong, env=env, capture_output=True, text=True, timeout=120,
                             check=False)  # fmt: skip
    assert refused.returncode == 1, refused.stdout + refused.stderr


class _Spark:
    """The compose file's Spark master and worker, started on this host by their compose
    commands with 127.0.0.1 and free ports for the compose services' names and ports."""

    def __init__(self, services: dict[str, dict[str, Any]], root: Path) -> None:
        self.port, ui, worker_ui = free_port(), free_port(), free_port()
        self.url = f"spark://127.0.0.1:{self.port}"
        self.ui = f"http://127.0.0.1:{ui}"
        master = _replace_options(_on_host(command(services["spark-master"], {})),
                                  {"--host": "127.0.0.1", "--port": str(self.port),
                                   "--webui-port": str(ui)})  # fmt: skip
        worker = _replace_options(_on_host(command(services["spark-worker"], {})),
                                  {"--host": "127.0.0.1", "--webui-port": str(worker_ui),
                                   "--work-dir": str(root / "work")})  # fmt: skip
        assert worker[-1] == "spark://spark-master:7077"
        self.commands = {"master": master, "worker": [*worker[:-1], self.url]}
        self.root = root
        self.procs: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, role: str) -> None:
        env = {**base_env(), "SPARK_CLASS_PYTHON": sys.executable, "SPARK_LOCAL_IP": "127.0.0.1"}
        with (self.root / f"{role}.log").open("ab") as log:
            self.procs[role] = subprocess.Popen(self.commands[role], env=env, stdout=log,
                                                stderr=log, start_new_session=True)  # fmt: skip

    def stop(self) -> None:
        for role in ("worker", "master"):  # the worker first: it ends its executors
            proc = self.procs.get(role)
            if proc is None or proc.poll() is not None:
                continue
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(10)

    def logs(self) -> str:
        return "\n".join((self.root / f"{r}.log").read_text(errors="replace")[-3000:]
                         for r in self.procs)  # fmt: skip

    def state(self) -> dict[str, Any]:
        found: dict[str, Any] = httpx.get(f"{self.ui}/json/", timeout=5).json()
        return found


def _healthy(check: list[str], env: dict[str, str], what: str, logs: Any) -> None:
    """Wait until the compose health check ``check`` (docker/healthcheck.py) exits 0."""
    deadline = time.monotonic() + READY_SECONDS
    while True:
        done = subprocess.run([sys.executable, str(HEALTHCHECK), *check], env=env,
                              capture_output=True, text=True, timeout=30, check=False)  # fmt: skip
        if done.returncode == 0:
            return
        assert done.returncode == 1, done.stderr
        if time.monotonic() > deadline:
            pytest.fail(f"{what} not healthy after {READY_SECONDS} s: {done.stderr}\n{logs()}")
        time.sleep(0.5)


@pytest.fixture
def spark(services: dict[str, dict[str, Any]], tmp_path: Path) -> Iterator[_Spark]:
    required_binary("java")
    cluster = _Spark(services, tmp_path / "spark")
    cluster.root.mkdir()
    try:
        cluster.start("master")
        _healthy(["spark-master", cluster.ui], base_env(), "the master", cluster.logs)
        cluster.start("worker")
        _healthy(["spark-worker", cluster.ui, "127.0.0.1"], base_env(), "the worker",
                 cluster.logs)  # fmt: skip
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def empty_database(pg_url: str) -> Iterator[str]:
    """A database of its own, as the compose file's new postgres volume is: the daemon
    upgrades the schema and registers the examples into it."""
    name = "stoker_docker_" + secrets.token_hex(4)
    engine = sa.create_engine(pg_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        yield sa.engine.make_url(pg_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with engine.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


def test_stoker_1_runs_the_example_job_on_the_compose_spark_cluster(
    services: dict[str, dict[str, Any]], spark: _Spark, empty_database: str,
    kafka_bootstrap: str, tmp_path: Path,
) -> None:  # fmt: skip
    compose_env = environment(services["stoker-1"], {"STOKER_API_TOKEN": TOKEN})
    work = tmp_path / "work"  # the image's working directory: examples/ and stoker-data/
    work.mkdir()
    (work / "examples").symlink_to(REPO / "examples")
    daemon = DaemonProcess(work, token=TOKEN)
    conf = json.loads(compose_env["STOKER_SPARK__CONF"])
    # Only the addresses (and the image's paths) differ from the compose file's.
    addresses = {
        "STOKER_DATABASE__URL": empty_database,
        "STOKER_KAFKA__BOOTSTRAP_SERVERS": kafka_bootstrap,
        "STOKER_SPARK__MASTER": spark.url,
        "STOKER_SPARK__CONF": json.dumps({**conf, "spark.driver.host": "127.0.0.1"}),
        "STOKER_API__PORT": str(daemon.port),
        "STOKER_API_URL": daemon.url,
        "STOKER_DATA_DIR": str(work / "stoker-data"),
        "STOKER_DAEMON__EXAMPLE_JOBS_DIR": str(work / "examples"),
    }
    assert set(addresses) < set(compose_env)
    daemon.env = {**base_env(), **compose_env, **addresses}
    try:
        daemon.start(timeout=240)
        _check_the_daemon(daemon, spark)
    finally:
        daemon.stop()


def _check_the_daemon(daemon: DaemonProcess, spark: _Spark) -> None:
    _healthy(["stoker"], {**base_env(), "STOKER_API__PORT": str(daemon.port)}, "stoker-1",
             daemon.log)  # fmt: skip
    # As Prometheus scrapes it (Host: stoker-1:PORT, the token), and as nobody else may.
    bearer = {"Authorization": f"Bearer {TOKEN}"}
    as_prometheus = {**bearer, "Host": f"stoker-1:{daemon.port}"}
    scraped = httpx.get(f"{daemon.url}/metrics", headers=as_prometheus, timeout=10)
    assert scraped.status_code == 200, scraped.text
    assert "stoker_build_info" in scraped.text
    assert httpx.get(f"{daemon.url}/metrics", timeout=10).status_code == 401
    elsewhere = {**bearer, "Host": f"evil.example:{daemon.port}"}
    assert httpx.get(f"{daemon.url}/jobs", headers=elsewhere, timeout=10).status_code == 403
    jobs = {j["name"] for j in ok_json(stoker("jobs", "list", "-o", "json", daemon=daemon))}
    assert {"orders_etl", "always_fails", "long_running"} <= jobs
    # Both warm drivers become applications of the cluster, one core each (spark.cores.max).
    deadline = time.monotonic() + READY_SECONDS
    while len(apps := spark.state()["activeapps"]) < 2 and time.monotonic() < deadline:
        time.sleep(0.5)
    assert [a["cores"] for a in apps] == [1, 1], f"{apps}\n{daemon.log()}"
    ok(stoker("runs", "start", "orders_etl", "--wait", daemon=daemon, timeout=300))
    output = daemon.workdir / "stoker-data" / "example-output" / "orders_by_country"
    assert (output / "_SUCCESS").is_file()
    assert list(output.rglob("*.parquet"))
