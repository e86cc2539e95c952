"""The Settings tree: TOML file, then STOKER_* environment variables (nested with __)."""

from __future__ import annotations

import ipaddress
import os
import tomllib
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from stoker.errors import ConfigError

ENV_PREFIX = "STOKER_"
#: STOKER_* variables that are not settings: where the file is, what the CLI uses, and the
#: tags the daemon gives its run processes (stoker/executors/lineage.py).
NON_SETTING_VARIABLES = frozenset(
    {
        "STOKER_CONFIG",
        "STOKER_API_URL",
        "STOKER_API_TOKEN",
        "STOKER_INSTALLATION",
        "STOKER_INCARNATION",
    }
)


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DatabaseSettings(_Section):
    #: SQLAlchemy URL; empty means SQLite at <data_dir>/stoker.db.
    url: SecretStr | None = None
    busy_timeout_ms: int = Field(default=10_000, ge=0)


class ApiSettings(_Section):
    host: str = "127.0.0.1"
    port: int = Field(default=8421, ge=1, le=65535)
    #: Bearer tokens; required when host is not a loopback address.
    tokens: list[SecretStr] = Field(default_factory=list)

    @property
    def loopback(self) -> bool:
        if self.host == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False


class SparkSettings(_Section):
    master: str = "local[*]"
    pool_size: int = Field(default=2, ge=0, le=64)
    conf: dict[str, str] = Field(default_factory=dict)
    #: A warm driver is replaced after this many runs (fresh JVM, no leaked state).
    recycle_after_runs: int = Field(default=200, ge=1)
    #: How long a stopped run may take to yield before its driver is killed and replaced.
    stop_grace_seconds: float = Field(default=10.0, gt=0)
    #: How long a new driver may take to start its SparkSession and warm up.
    start_timeout_seconds: float = Field(default=180.0, gt=0)
    #: spark-submit used by isolated runs; empty means the one pyspark ships.
    spark_submit: str | None = None


class LogsSettings(_Section):
    #: Run logs root; empty means <data_dir>/logs.
    dir: Path | None = None
    retention_days: int = Field(default=90, ge=1)
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    format: Literal["text", "json"] = "text"


class KafkaSettings(_Section):
    #: Unset: events stay in the outbox, readable with `stoker events`.
    bootstrap_servers: str | None = None
    topic: str = "stoker.job-run-status"
    client_id: str = "stoker"
    #: Passed to kafka-python as is (stoker.notifications.kafka is the only reader).
    security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] | None = None
    sasl_username: str | None = None
    sasl_password: SecretStr | None = None
    ssl_cafile: Path | None = None
    ssl_certfile: Path | None = None
    ssl_keyfile: Path | None = None
    #: EVENT triggers: one consumer group per daemon cluster (every daemon of it shares it).
    consumer_group: str = "stoker"
    #: Messages EVENT triggers cannot read (not JSON, too large) go here, with the reason.
    dead_letter_topic: str = "stoker.dead-letter"
    #: A consumed message larger than this is dead-lettered instead of matched.
    max_message_bytes: int = Field(default=1_048_576, gt=0)


class EventsSettings(_Section):
    source: str = "stoker"
    account: str = Field(default="000000000000", pattern=r"^[0-9]{12}$")
    region: str = "local"
    #: Emit Glue's exact detail-type strings and source ("Glue Job State Change", aws.glue).
    glue_compatible: bool = False
    #: Delivered events are deleted from the outbox after this many days (pending ones never).
    outbox_retention_days: float = Field(default=7, gt=0)


class MetricsSettings(_Section):
    """Prometheus endpoint and the Spark figures collected from the drivers."""

    #: Collect Glue's job metrics (bytes, records, shuffle, heap, CPU) from running drivers.
    spark_enabled: bool = True
    #: How often a driver samples the run it is executing (Prometheus sees this freshness).
    spark_refresh_seconds: float = Field(default=5.0, ge=0.2, le=3600)
    #: A run's stored metrics history keeps samples at least this far apart, plus its last.
    history_interval_seconds: float = Field(default=10.0, ge=0.2, le=3600)
    #: Serve /metrics on this port instead of the API's (host: metrics.host, else api.host).
    port: int | None = Field(default=None, ge=1, le=65535)
    host: str | None = None
    #: Require the API's bearer token on /metrics (the scraper then needs a token too).
    require_auth: bool = False


class DaemonSettings(_Section):
    #: On SIGTERM, running runs get this long to finish before they are stopped.
    shutdown_grace_seconds: float = Field(default=30.0, ge=0)
    #: Safety-net poll of the queue; wake-ups normally come from in-process events.
    poll_interval_seconds: float = Field(default=2.0, gt=0)
    #: Register the jobs under examples/ at start (make run sets this).
    example_jobs_dir: Path | None = None


class Settings(BaseSettings):
    """Every setting stoker reads. Unknown keys and invalid values are errors."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_nested_delimiter="__", extra="forbid", frozen=True
    )

    data_dir: Path = Path("./stoker-data")
    database: DatabaseSettings = DatabaseSettings()
    api: ApiSettings = ApiSettings()
    spark: SparkSettings = SparkSettings()
    logs: LogsSettings = LogsSettings()
    kafka: KafkaSettings = KafkaSettings()
    events: EventsSettings = EventsSettings()
    metrics: MetricsSettings = MetricsSettings()
    daemon: DaemonSettings = DaemonSettings()

    toml_file: ClassVar[Path | None] = None

    @field_validator("data_dir")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        return value.expanduser().absolute()

    @model_validator(mode="after")
    def _metrics_port_free(self) -> Settings:
        if self.metrics.port is not None and self.metrics.port == self.api.port:
            raise ValueError(
                f"metrics.port = {self.metrics.port} is the API's port; leave metrics.port "
                "unset to serve /metrics on the API port, or choose another port"
            )
        if self.metrics.require_auth and not self.api.tokens:
            raise ValueError(
                "metrics.require_auth = true needs at least one bearer token in api.tokens"
            )
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if cls.toml_file is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=cls.toml_file))
        return tuple(sources)

    @property
    def database_url(self) -> str:
        if self.database.url is not None and self.database.url.get_secret_value():
            return self.database.url.get_secret_value()
        return f"sqlite:///{self.data_dir / 'stoker.db'}"

    @property
    def logs_dir(self) -> Path:
        return (self.logs.dir or self.data_dir / "logs").expanduser().absolute()

    @property
    def api_url(self) -> str:
        host = "127.0.0.1" if self.api.host in ("0.0.0.0", "::") else self.api.host  # noqa: S104
        return f"http://{host}:{self.api.port}"


def _check_env_names(environ: dict[str, str]) -> None:
    known = {name.upper() for name in Settings.model_fields}
    for name in environ:
        if not name.startswith(ENV_PREFIX) or name in NON_SETTING_VARIABLES:
            continue
        top = name[len(ENV_PREFIX) :].split("__", 1)[0]
        if top not in known:
            raise ConfigError(
                f"unknown setting in environment: {name}; top-level keys are "
                + ", ".join(sorted(k.lower() for k in known)),
                field=name,
            )


def _check_toml(path: Path) -> None:
    try:
        with path.open("rb") as fh:
            tomllib.load(fh)
    except FileNotFoundError as exc:
        raise ConfigError(f"config file {path} does not exist", field="--config") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}", field="--config") from exc


def _describe(error: dict[str, Any]) -> str:
    key = ".".join(str(p) for p in error["loc"])
    value = error.get("input")
    if error["type"] == "extra_forbidden":
        return f"unknown key {key!r} (value {value!r}) is not a stoker setting"
    if isinstance(value, dict):
        return f"{key}: {error['msg']}" if key else str(error["msg"]).removeprefix("Value error, ")
    return f"{key} = {value!r}: {error['msg']}"


def load_settings(config_file: Path | str | None = None, **overrides: Any) -> Settings:
    """Read the TOML file (argument, else STOKER_CONFIG) and the environment.

    Raises ConfigError with every problem, naming key, value and what is allowed.
    """
    path_text = config_file or os.environ.get("STOKER_CONFIG")
    path = Path(path_text).expanduser() if path_text else None
    if path is not None:
        _check_toml(path)
    _check_env_names(dict(os.environ))

    class _Loaded(Settings):
        toml_file = path

    try:
        loaded = _Loaded(**overrides)
    except ValidationError as exc:
        where = f" in {path} or STOKER_* variables" if path else " in STOKER_* variables"
        problems = "; ".join(_describe(dict(e)) for e in exc.errors())
        raise ConfigError(f"invalid configuration{where}: {problems}") from exc
    return loaded


def masked_dump(settings: Settings) -> dict[str, Any]:
    """The effective settings as plain data, secrets shown as '****'."""
    data: dict[str, Any] = settings.model_dump(mode="json")
    url = settings.database.url
    if url is not None:
        data["database"]["url"] = _mask_url(url.get_secret_value())
    data["api"]["tokens"] = ["****" for _ in settings.api.tokens]
    if settings.kafka.sasl_password is not None:
        data["kafka"]["sasl_password"] = "****"  # noqa: S105 - the mask, not a password
    data["database_url_effective"] = _mask_url(settings.database_url)
    return data


def _mask_url(url: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":****@", 1)
    return urlunsplit(parts._replace(netloc=netloc))
