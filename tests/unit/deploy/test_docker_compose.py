"""docker/compose.yaml, docker/Dockerfile and docker/prometheus.yml, checked statically.

Containers cannot run on the project's machines, so this is what stands for `docker compose
up`: the file against the Compose Specification's schema; every service's image, command,
ports, volumes, health check and dependency order; every file it mounts; the image's build
steps against the host's; the daemons' STOKER_* environment loaded as `stoker daemon` loads
its settings; the Spark commands against scripts/spark.sh's; the Kafka broker against
scripts/kafka.sh's; Prometheus and Grafana against deploy/. tests/acceptance/
test_docker_commands.py runs the command lines themselves on this host.

tests/support/compose-spec.json is the Compose Specification's schema/compose-spec.json
(github.com/compose-spec/compose-spec, commit 170098ba07d9, Apache-2.0).
"""

from __future__ import annotations

import graphlib
import json
import os
import re
import shlex
import subprocess
import tomllib
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import pytest
import yaml

from stoker.api.auth import check_listeners
from stoker.api.guard import allowed_hosts
from stoker.config.settings import Settings, load_settings
from tests.conftest import required_binary
from tests.support.compose import (
    DAEMONS,
    DOCKER,
    REPO,
    command,
    environment,
    interpolate,
    load_compose,
)

DOCKERFILE = DOCKER / "Dockerfile"
SCHEMA = REPO / "tests" / "support" / "compose-spec.json"
#: Where the Dockerfile puts the repository (WORKDIR, then COPY . .).
IMAGE_ROOT = PurePosixPath("/opt/stoker")
STOKER_IMAGE_SERVICES = ("spark-master", "spark-worker", *DAEMONS)
SERVICES = {"postgres", "kafka", "prometheus", "grafana", *STOKER_IMAGE_SERVICES}
PORTS = {
    "postgres": [],
    "kafka": ["127.0.0.1:9094:9094"],
    "spark-master": ["127.0.0.1:8080:8080"],
    "spark-worker": ["127.0.0.1:8081:8081"],
    "stoker-1": ["127.0.0.1:8421:8421"],
    "stoker-2": ["127.0.0.1:8422:8422"],
    "prometheus": ["127.0.0.1:9090:9090"],
    "grafana": ["127.0.0.1:3000:3000"],
}
DEPENDS_ON = {
    "postgres": set(),
    "kafka": set(),
    "spark-master": set(),
    "spark-worker": {"spark-master"},
    "stoker-1": {"postgres", "kafka", "spark-worker"},
    "stoker-2": {"postgres", "kafka", "spark-worker", "stoker-1"},
    "prometheus": set(),
    "grafana": {"prometheus"},
}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return load_compose()


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = compose["services"]
    return found


def _instructions() -> list[tuple[str, str]]:
    """The Dockerfile's instructions (keyword, arguments), continuation lines joined."""
    logical, pending = [], ""
    for line in DOCKERFILE.read_text().splitlines():
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        pending += line.rstrip().removesuffix("\\") + " "
        if not line.rstrip().endswith("\\"):
            logical.append(" ".join(pending.split()))
            pending = ""
    assert not pending, "the Dockerfile ends inside a continued line"
    return [(text.split(None, 1)[0], text.split(None, 1)[1]) for text in logical]


def _one(keyword: str) -> str:
    found = [args for key, args in _instructions() if key == keyword]
    assert len(found) == 1, f"{keyword}: {found}"
    return found[0]


def _mounts(service: dict[str, Any]) -> dict[str, str]:
    """Target → source of the service's volumes (short syntax: source:target[:mode])."""
    mounts = {}
    for entry in service.get("volumes", []):
        source, target, *_mode = entry.split(":")
        mounts[target] = source
    return mounts


def _host_path(source: str) -> Path | None:
    """A bind mount's path in the repository (relative to docker/); None: a named volume."""
    return (DOCKER / source).resolve() if source.startswith((".", "/")) else None


def _in_repo(image_path: str) -> Path:
    """The repository file the image has at ``image_path``."""
    relative = PurePosixPath(image_path).relative_to(IMAGE_ROOT)
    return REPO / relative


def _options(args: list[str]) -> dict[str, str]:
    return {args[i]: args[i + 1] for i in range(len(args) - 1) if args[i].startswith("--")}


def _daemon_settings(
    services: dict[str, dict[str, Any]], name: str, monkeypatch: pytest.MonkeyPatch,
    environ: dict[str, str] | None = None,
) -> Settings:  # fmt: skip
    """The daemon's settings from exactly its compose environment, as `stoker daemon` loads
    them (unknown STOKER_* names and values that do not parse are errors), and checked as
    it checks them before it binds (check_listeners)."""
    for variable in [v for v in os.environ if v.startswith("STOKER_")]:
        monkeypatch.delenv(variable)
    for variable, value in environment(services[name], environ or {}).items():
        monkeypatch.setenv(variable, value)
    settings = load_settings(None)
    check_listeners(settings)
    return settings


def test_the_compose_file_follows_the_compose_specification(compose: dict[str, Any]) -> None:
    validator = jsonschema.Draft7Validator(json.loads(SCHEMA.read_text()))
    problems = [
        f"{'.'.join(map(str, e.path))}: {e.message}" for e in validator.iter_errors(compose)
    ]
    assert problems == []
    # The schema refuses what Compose refuses: a misspelled key is an error, not ignored.
    broken = {**compose, "services": {**compose["services"], "kafka": {
        **{k: v for k, v in compose["services"]["kafka"].items() if k != "healthcheck"},
        "healthchek": compose["services"]["kafka"]["healthcheck"]}}}  # fmt: skip
    assert [e.message for e in validator.iter_errors(broken)] == [
        "'healthchek' does not match any of the regexes: '^x-'"
    ]


def test_images_are_pinned_and_the_stoker_image_is_built_from_the_repository(
    services: dict[str, dict[str, Any]],
) -> None:
    kafka_version = re.search(r'version="\$\{KAFKA_VERSION:-([0-9.]+)\}"',
                              (REPO / "scripts" / "kafka.sh").read_text())  # fmt: skip
    assert kafka_version is not None
    assert set(services) == SERVICES
    assert {name: s.get("image") for name, s in services.items() if "build" not in s} == {
        "postgres": "postgres:16",
        "kafka": f"apache/kafka:{kafka_version.group(1)}",
        "prometheus": "prom/prometheus:v2.55.1",
        "grafana": "grafana/grafana:11.6.0",
    }
    for name in STOKER_IMAGE_SERVICES:
        service = services[name]
        assert service["image"] == "stoker:local"
        assert (DOCKER / service["build"]["context"]).resolve() == REPO
        assert (REPO / service["build"]["dockerfile"]).resolve() == DOCKERFILE
        assert service["init"] is True, f"{name}: tini reaps what Spark's JVMs leave"


def test_every_service_has_a_health_check_on_what_it_serves(
    services: dict[str, dict[str, Any]],
) -> None:
    tests = {name: s["healthcheck"]["test"] for name, s in services.items()}
    for name, service in services.items():
        check = service["healthcheck"]
        assert tests[name][0] == "CMD", name
        assert {"interval", "timeout", "retries", "start_period"} <= set(check), name
    script = "/opt/stoker/docker/healthcheck.py"
    assert _in_repo(script).is_file()
    master = _options(services["spark-master"]["command"])
    worker = _options(services["spark-worker"]["command"])
    master_ui = f"http://{services['spark-master']['hostname']}:{master['--webui-port']}"
    assert tests == {
        "postgres": ["CMD", "pg_isready", "-U", "stoker", "-d", "stoker"],
        "kafka": ["CMD", "/opt/kafka/bin/kafka-broker-api-versions.sh", "--bootstrap-server",
                  "127.0.0.1:9092"],
        "spark-master": ["CMD", "python", script, "spark-master", master_ui],
        "spark-worker": ["CMD", "python", script, "spark-worker", master_ui, worker["--host"]],
        "stoker-1": ["CMD", "python", script, "stoker"],
        "stoker-2": ["CMD", "python", script, "stoker"],
        "prometheus": ["CMD", "wget", "-q", "--spider", "http://127.0.0.1:9090/-/ready"],
        "grafana": ["CMD", "wget", "-q", "--spider", "http://127.0.0.1:3000/api/health"],
    }  # fmt: skip
    env = services["postgres"]["environment"]
    assert (env["POSTGRES_USER"], env["POSTGRES_DB"]) == ("stoker", "stoker")


def test_dependencies_wait_for_health_in_order_without_cycles(
    services: dict[str, dict[str, Any]],
) -> None:
    graph = {name: set(s.get("depends_on", {})) for name, s in services.items()}
    assert graph == DEPENDS_ON
    for name, service in services.items():
        for target, condition in service.get("depends_on", {}).items():
            assert condition == {"condition": "service_healthy"}, f"{name} → {target}"
            assert "healthcheck" in services[target], target
    order = list(graphlib.TopologicalSorter(graph).static_order())  # CycleError on a cycle
    for before, after in [("postgres", "stoker-1"), ("kafka", "stoker-1"),
                          ("spark-master", "spark-worker"), ("spark-worker", "stoker-1"),
                          ("stoker-1", "stoker-2"), ("prometheus", "grafana")]:  # fmt: skip
        assert order.index(before) < order.index(after), (before, after)


def test_published_ports_listen_on_loopback_only(services: dict[str, dict[str, Any]]) -> None:
    assert {name: s.get("ports", []) for name, s in services.items()} == PORTS


def test_every_mount_exists_and_every_volume_is_declared_and_used(
    compose: dict[str, Any], services: dict[str, dict[str, Any]],
) -> None:  # fmt: skip
    used = set()
    for name, service in services.items():
        for entry in service.get("volumes", []):
            source = entry.split(":")[0]
            path = _host_path(source)
            if path is None:
                used.add(source)
                continue
            assert path.exists(), f"{name} mounts {source}, which is not in the repository"
            assert path.is_relative_to(REPO), f"{name} mounts {source} from outside the repo"
            assert entry.endswith(":ro"), f"{name}: a file of the repository is mounted read-only"
    assert used == set(compose["volumes"])


def test_the_image_installs_the_project_as_the_host_does() -> None:
    runs = [args for key, args in _instructions() if key == "RUN"]
    assert any(r.startswith("scripts/java.sh --required") for r in runs), runs
    assert "make venv" in runs
    # The host: `make test` runs test-deps (scripts/java.sh --required) and then $(STAMP),
    # the target `make venv` builds; `make run` runs scripts/java.sh before the daemon.
    makefile = (REPO / "Makefile").read_text()
    assert re.search(r"^venv install: \$\(STAMP\)$", makefile, re.M)
    assert re.search(r"^test: test-deps \$\(STAMP\)$", makefile, re.M)
    assert re.search(r'^"\$\(dirname "\$0"\)/java\.sh" --required$',
                     (REPO / "scripts" / "test-deps.sh").read_text(), re.M)  # fmt: skip
    assert _one("FROM") == "python:3.11-slim-bookworm"
    assert _one("WORKDIR") == str(IMAGE_ROOT)
    copies = [args for key, args in _instructions() if key == "COPY"]
    assert copies == ["scripts/java.sh scripts/java.sh", ". ."]


def test_the_image_runs_the_daemon_as_its_own_user(services: dict[str, dict[str, Any]]) -> None:
    assert _one("USER") == "stoker"
    assert any("useradd --system" in args and args.endswith("chown -R stoker:stoker stoker-data")
               for key, args in _instructions() if key == "RUN")  # fmt: skip
    assert json.loads(_one("VOLUME")) == [f"{IMAGE_ROOT}/stoker-data"]
    assert _one("EXPOSE") == str(Settings.model_fields["api"].default.port)
    assert json.loads(_one("CMD")) == ["stoker", "daemon"]
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    assert "stoker" in pyproject["project"]["scripts"]
    health = _one("HEALTHCHECK")
    assert health.startswith("--interval=10s --timeout=5s --start-period=180s --retries=6 CMD ")
    for name in DAEMONS:
        assert services[name]["command"] == json.loads(_one("CMD"))
        assert services[name]["healthcheck"]["test"] == [
            "CMD",
            *json.loads(health.split(" CMD ")[1]),
        ]
    env = [args for key, args in _instructions() if key == "ENV"]
    assert f"PATH={IMAGE_ROOT}/.venv/bin:$PATH" in env


def test_the_image_creates_every_directory_a_volume_is_mounted_on(
    services: dict[str, dict[str, Any]],
) -> None:
    """A named volume mounted on a path the image has takes that directory's owner (the
    daemon's user); one on a path it lacks would belong to root."""
    run = next(args for key, args in _instructions() if key == "RUN" and "mkdir -p" in args)
    made = {str(IMAGE_ROOT / p) for p in shlex.split(run.split("mkdir -p", 1)[1].split("&&")[0])}
    for name in STOKER_IMAGE_SERVICES:
        for target, source in _mounts(services[name]).items():
            if _host_path(source) is None and target != f"{IMAGE_ROOT}/stoker-data":
                assert target in made, f"{name}: {target}"


def test_dockerignore_leaves_out_local_state() -> None:
    ignored = {line for line in (REPO / ".dockerignore").read_text().splitlines()
               if line and not line.startswith("#")}  # fmt: skip
    assert {".git", ".venv", ".cache", "stoker-data", "docker/.env"} <= ignored


@pytest.mark.parametrize("name", DAEMONS)
def test_the_daemon_environment_is_settings_stoker_accepts(
    services: dict[str, dict[str, Any]], name: str, monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    service = services[name]
    settings = _daemon_settings(services, name, monkeypatch)
    assert settings.database_url == "postgresql+psycopg://stoker:stoker@postgres:5432/stoker"
    assert settings.kafka.bootstrap_servers == "kafka:9092"
    advertised = services["kafka"]["environment"]["KAFKA_ADVERTISED_LISTENERS"]
    assert f"PLAINTEXT://{settings.kafka.bootstrap_servers}" in advertised.split(",")
    master = _options(services["spark-master"]["command"])
    assert settings.spark.master == f"spark://{master['--host']}:{master['--port']}"
    assert settings.spark.conf["spark.driver.host"] == service["hostname"] == name
    assert settings.spark.conf["spark.driver.bindAddress"] == "0.0.0.0"
    assert settings.api.host == "0.0.0.0"
    assert [t.get_secret_value() for t in settings.api.tokens] == ["change-me"]
    assert settings.metrics.require_auth is True
    assert settings.glue_api.enabled is False
    assert settings.data_dir == Path(f"{IMAGE_ROOT}/stoker-data")
    mounts = _mounts(service)
    assert mounts[str(settings.data_dir)] == f"{name}-data"
    assert mounts[str(settings.data_dir / "scripts")] == "stoker-scripts"
    assert settings.daemon.example_jobs_dir == IMAGE_ROOT / "examples"
    assert (_in_repo(str(settings.daemon.example_jobs_dir)) / "stoker.toml").is_file()
    env = environment(service, {})
    assert env["STOKER_API_TOKEN"] == "change-me"  # the CLI's, in the container
    assert urlsplit(env["STOKER_API_URL"]).port == settings.api.port
    published = [p.split(":") for p in service["ports"]]
    assert published == [["127.0.0.1", str(settings.api.port), str(settings.api.port)]]


@pytest.mark.parametrize("name", DAEMONS)
def test_the_daemon_answers_every_name_it_is_reached_by(
    services: dict[str, dict[str, Any]], name: str, monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    settings = _daemon_settings(services, name, monkeypatch)
    hosts = allowed_hosts(settings.api.host, settings.api.port, settings.api.allowed_hosts)
    prometheus = yaml.safe_load((DOCKER / "prometheus.yml").read_text())
    targets = prometheus["scrape_configs"][0]["static_configs"][0]["targets"]
    assert f"{name}:{settings.api.port}" in targets
    assert hosts.allows(name, settings.api.port)  # Prometheus
    assert hosts.allows("127.0.0.1", settings.api.port)  # the health check, the CLI
    assert hosts.allows("localhost", settings.api.port)  # a browser on the host
    assert not hosts.allows("attacker.example", settings.api.port)


def test_values_from_the_environment_reach_every_service(
    compose: dict[str, Any], services: dict[str, dict[str, Any]], monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    given = {"STOKER_API_TOKEN": "tok-123", "POSTGRES_PASSWORD": "pw-456"}
    for name in DAEMONS:
        settings = _daemon_settings(services, name, monkeypatch, given)
        assert [t.get_secret_value() for t in settings.api.tokens] == ["tok-123"]
        assert settings.database_url == "postgresql+psycopg://stoker:pw-456@postgres:5432/stoker"
    assert environment(services["postgres"], given)["POSTGRES_PASSWORD"] == "pw-456"
    # Prometheus's token file is the daemons' token.
    assert interpolate(compose["configs"]["stoker_api_token"]["content"], given) == "tok-123"
    assert interpolate(compose["configs"]["stoker_api_token"]["content"], {}) == "change-me"


def test_a_daemon_stops_within_its_grace_period(
    services: dict[str, dict[str, Any]], monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    for name in DAEMONS:
        settings = _daemon_settings(services, name, monkeypatch)
        grace = services[name]["stop_grace_period"]
        assert grace.endswith("s")
        bound = settings.daemon.shutdown_grace_seconds + settings.spark.stop_grace_seconds
        assert float(grace[:-1]) > bound
        assert services[name]["restart"] == "no"


def test_the_worker_has_room_for_every_warm_driver(
    services: dict[str, dict[str, Any]], monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    worker = _options(command(services["spark-worker"], {}))
    drivers = cores = memory_mb = 0
    for name in DAEMONS:
        settings = _daemon_settings(services, name, monkeypatch)
        drivers += settings.spark.pool_size
        cores += settings.spark.pool_size * int(settings.spark.conf["spark.cores.max"])
        memory_mb += settings.spark.pool_size * int(
            settings.spark.conf["spark.executor.memory"].removesuffix("m")
        )
    assert drivers == 4
    assert cores <= int(worker["--cores"])
    assert memory_mb <= int(worker["--memory"].removesuffix("g")) * 1024


def _spark_sh_starts() -> dict[str, list[str]]:
    """scripts/spark.sh's `start master|worker CLASS ARGS...`, continuation lines joined."""
    text = (REPO / "scripts" / "spark.sh").read_text().replace("\\\n", " ")
    found = {}
    for role in ("master", "worker"):
        match = re.search(rf"^\s*start {role} (.+)$", text, re.M)
        assert match is not None, role
        found[role] = shlex.split(match.group(1))
    return found


def test_the_spark_commands_are_scripts_spark_sh_s(services: dict[str, dict[str, Any]]) -> None:
    host = _spark_sh_starts()
    for role, service in (("master", "spark-master"), ("worker", "spark-worker")):
        ours = command(services[service], {})
        assert ours[0] == "/opt/stoker/docker/spark-class.sh"
        assert _in_repo(ours[0]).is_file()
        assert ours[1] == host[role][0], "the same Spark class"
        # The same options in the same order; the values name this network's hosts.
        assert [a for a in ours[2:] if a.startswith("--")] == [
            a for a in host[role][1:] if a.startswith("--")
        ]
        assert _options(ours)["--host"] == services[service]["hostname"] == service
    master, worker = command(services["spark-master"], {}), command(services["spark-worker"], {})
    assert host["worker"][-1] == "$url"  # the master's URL, last
    assert worker[-1] == f"spark://spark-master:{_options(master)['--port']}"
    assert _options(worker)["--work-dir"].startswith(f"{IMAGE_ROOT}/stoker-data/")
    assert _mounts(services["spark-worker"])[f"{IMAGE_ROOT}/stoker-data"] == "spark-worker-data"
    for service, option in (("spark-master", master), ("spark-worker", worker)):
        port = _options(option)["--webui-port"]
        assert services[service]["ports"] == [f"127.0.0.1:{port}:{port}"]
    # The defaults come from the variables scripts/spark.sh reads for the same purpose.
    spark_sh = (REPO / "scripts" / "spark.sh").read_text()
    for variable in ("SPARK_WORKER_CORES", "SPARK_WORKER_MEMORY"):
        assert f"${{{variable}:-" in spark_sh
        declared = services["spark-worker"]["command"]
        assert any(arg.startswith(f"${{{variable}:-") for arg in declared)


def test_executors_and_drivers_share_the_example_output(
    services: dict[str, dict[str, Any]],
) -> None:
    """Executors on the worker write the example job's output and the driver commits it:
    both must see the same directory at the path its --output argument names."""
    examples = tomllib.loads((REPO / "examples" / "stoker.toml").read_text())
    etl = next(job for job in examples["jobs"] if job["name"] == "orders_etl")
    output = IMAGE_ROOT / etl["default_arguments"]["--output"]  # relative to WORKDIR
    shared = f"{IMAGE_ROOT}/stoker-data/example-output"
    assert output.is_relative_to(shared)
    for name in ("spark-worker", *DAEMONS):
        assert _mounts(services[name])[shared] == "example-output", name


def test_the_broker_is_configured_as_scripts_kafka_sh_s(
    services: dict[str, dict[str, Any]],
) -> None:
    properties = re.search(r'cat >"\$props" <<EOF\n(.*?)\nEOF',
                           (REPO / "scripts" / "kafka.sh").read_text(), re.S)  # fmt: skip
    assert properties is not None
    env = {k: str(v) for k, v in services["kafka"]["environment"].items()}
    fixed = [line.split("=", 1) for line in properties.group(1).splitlines()
             if "=" in line and not line.startswith("#") and "$" not in line]  # fmt: skip
    assert "process.roles" in dict(fixed)
    for key, value in fixed:
        if key == "listener.security.protocol.map":
            # Plus the listener for clients on the host.
            assert env["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"] == f"{value},EXTERNAL:PLAINTEXT"
            continue
        assert env[f"KAFKA_{key.upper().replace('.', '_')}"] == value, key
    assert env["KAFKA_LISTENERS"] == "PLAINTEXT://:9092,CONTROLLER://:9093,EXTERNAL://:9094"
    assert env["KAFKA_CONTROLLER_QUORUM_VOTERS"] == "1@kafka:9093"
    assert env["KAFKA_HEAP_OPTS"] == "-Xms128m -Xmx512m"
    assert _mounts(services["kafka"])[env["KAFKA_LOG_DIRS"]] == "kafka-data"


def test_prometheus_scrapes_both_daemons_with_the_token_and_loads_stoker_s_rules(
    compose: dict[str, Any], services: dict[str, dict[str, Any]], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    service = services["prometheus"]
    mounts = _mounts(service)
    options = dict(arg.removeprefix("--").split("=", 1) for arg in service["command"])
    assert mounts[options["config.file"]] == "./prometheus.yml"
    assert mounts[options["storage.tsdb.path"]] == "prometheus-data"
    config = yaml.safe_load((DOCKER / "prometheus.yml").read_text())
    rules = next(t for t, s in mounts.items() if s == "../deploy/prometheus/stoker-rules.yml")
    assert config["rule_files"] == [rules]
    (job,) = config["scrape_configs"]
    # deploy/prometheus/stoker-rules.yml alerts on up{job="stoker"}.
    assert job["job_name"] == "stoker"
    assert 'up{job="stoker"}' in (REPO / "deploy" / "prometheus" / "stoker-rules.yml").read_text()
    assert job["honor_labels"] is True
    assert job["metrics_path"] == "/metrics"
    ports = [_daemon_settings(services, name, monkeypatch).api.port for name in DAEMONS]
    assert job["static_configs"] == [
        {"targets": [f"{name}:{port}" for name, port in zip(DAEMONS, ports, strict=True)]}
    ]
    (token,) = service["configs"]
    assert token["source"] in compose["configs"]
    assert job["authorization"] == {"type": "Bearer", "credentials_file": token["target"]}
    # promtool checks the configuration, the rules it loads and the token file it names.
    local = tmp_path / "prometheus.yml"
    (tmp_path / "stoker-token").write_text("change-me")
    text = (DOCKER / "prometheus.yml").read_text()
    text = text.replace(rules, str(REPO / "deploy" / "prometheus" / "stoker-rules.yml"))
    local.write_text(text.replace(token["target"], str(tmp_path / "stoker-token")))
    done = subprocess.run([required_binary("promtool"), "check", "config", str(local)],
                          capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS" in done.stdout


def test_grafana_mounts_are_where_its_provisioning_looks(
    services: dict[str, dict[str, Any]],
) -> None:
    mounts = _mounts(services["grafana"])
    provisioning = REPO / "deploy" / "grafana" / "provisioning"
    dashboards = "/etc/grafana/provisioning/dashboards"
    assert mounts[dashboards] == "../deploy/grafana/provisioning/dashboards"
    providers = yaml.safe_load((provisioning / "dashboards" / "stoker.yml").read_text())
    (provider,) = providers["providers"]
    assert mounts[provider["options"]["path"]] == "../deploy/grafana/dashboards"
    assert (REPO / "deploy" / "grafana" / "dashboards" / "stoker.json").is_file()
    datasources = mounts["/etc/grafana/provisioning/datasources/prometheus.yml"]
    assert datasources == "./grafana/datasources.yml"
    ours = yaml.safe_load((DOCKER / "grafana" / "datasources.yml").read_text())["datasources"]
    on_host = provisioning / "datasources" / "prometheus.yml"
    host = yaml.safe_load(on_host.read_text())["datasources"]
    # The host's datasource but for Prometheus's address on the compose network.
    assert [{**d, "url": None} for d in ours] == [{**d, "url": None} for d in host]
    prometheus_port = services["prometheus"]["ports"][0].rsplit(":", 1)[1]
    assert ours[0]["url"] == f"http://prometheus:{prometheus_port}"
    assert mounts["/var/lib/grafana"] == "grafana-data"
