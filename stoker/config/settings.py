"""The Settings tree: TOML file, then STOKER_* environment variables (nested with __)."""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Any, ClassVar, Literal
from urllib.parse import urlsplit

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
from pydantic_settings.exceptions import SettingsError

from stoker.config.display import describe_error, masked
from stoker.config.environment import ENV_PREFIX, check_environment
from stoker.errors import ConfigError

#: The database URLs stoker can open (SQLAlchemy drivers it ships with).
DATABASE_DRIVERS = ("sqlite", "sqlite+pysqlite", "postgresql", "postgresql+psycopg")
_HOST_ENTRY = re.compile(r"(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9][A-Za-z0-9.\-]{0,252}|[0-9A-Fa-f:]+)"
                         r"(?::[0-9]{1,5})?")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]{0,39}")


class _Section(BaseModel):
    # inf and nan are no duration, port or size: refused like any other invalid number.
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class DatabaseSettings(_Section):
    #: SQLAlchemy URL; empty means SQLite at <data_dir>/stoker.db.
    url: SecretStr | None = None
    busy_timeout_ms: int = Field(default=10_000, ge=0)

    @field_validator("url")
    @classmethod
    def _known_database(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and value.get_secret_value():
            check_database_url(value.get_secret_value())
        return value


def check_database_url(url: str) -> None:
    """ValueError (never quoting the URL, which may hold a password) unless ``url`` names a
    database stoker supports, with a port that is a number."""
    scheme, sep, _ = url.partition("://")
    if not sep or scheme.lower() not in DATABASE_DRIVERS:
        named = repr(scheme) if sep and _SCHEME.fullmatch(scheme) else "without a known scheme"
        raise ValueError(
            f"a database URL {named} is not supported; use sqlite:///PATH or "
            "postgresql+psycopg://USER:PASSWORD@HOST:PORT/DATABASE"
        )
    try:
        urlsplit(url).port  # noqa: B018 - parsing it is the check
    except ValueError as exc:
        raise ValueError(f"not a database URL stoker can open ({exc})") from None


class ApiSettings(_Section):
    host: str = "127.0.0.1"
    port: int = Field(default=8421, ge=1, le=65535)
    #: Bearer tokens; required when host is not a loopback address.
    tokens: list[SecretStr] = Field(default_factory=list)
    #: Host names requests may address ("name" on the API's port, or "name:port"); unset:
    #: api.host, localhost, 127.0.0.1 and ::1 (and this machine's name on 0.0.0.0 / ::).
    #: Anything else is refused (DNS rebinding); "*" (any) needs api.tokens.
    allowed_hosts: list[str] | None = None
    #: Larger request bodies are refused (413) while they are read, before parsing.
    max_body_bytes: int = Field(default=16 * 1024 * 1024, ge=1024, le=1024**3)

    @field_validator("allowed_hosts")
    @classmethod
    def _host_names(cls, value: list[str] | None) -> list[str] | None:
        for entry in value or ():
            if entry != "*" and not _HOST_ENTRY.fullmatch(entry):
                raise ValueError(
                    f"{entry[:80]!r} is not a host name, an IP address or either with "
                    '":port" (e.g. "stoker.example.com", "10.0.0.5:8421", "[::1]"), nor "*"'
                )
        return value


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
    #: Directories a job's command.script_location may point into, besides the daemon's
    #: own script store (<data_dir>/scripts, where uploaded scripts go). Anything else is
    #: refused, so the API cannot read or run other files of the daemon's machine.
    script_roots: list[Path] = Field(default_factory=list)


class Settings(BaseSettings):
    """Every setting stoker reads. Unknown keys and invalid values are errors."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_nested_delimiter="__", extra="forbid", frozen=True,
        allow_inf_nan=False,
    )  # fmt: skip

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


def _check_toml(path: Path) -> None:
    try:
        with path.open("rb") as fh:
            tomllib.load(fh)
    except FileNotFoundError as exc:
        raise ConfigError(f"config file {path} does not exist", field="--config") from exc
    except OSError as exc:
        raise ConfigError(f"config file {path} cannot be read: {exc.strerror}",
                          field="--config") from exc  # fmt: skip
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}", field="--config") from exc


def load_settings(config_file: Path | str | None = None, **overrides: Any) -> Settings:
    """Read the TOML file (argument, else STOKER_CONFIG) and the environment.

    Raises ConfigError with every problem, naming key, value and what is allowed.
    """
    path_text = config_file or os.environ.get("STOKER_CONFIG")
    path = Path(path_text).expanduser() if path_text else None
    if path is not None:
        _check_toml(path)
    check_environment(dict(os.environ), Settings)

    class _Loaded(Settings):
        toml_file = path

    where = f" in {path} or STOKER_* variables" if path else " in STOKER_* variables"
    try:
        loaded = _Loaded(**overrides)
    except ValidationError as exc:
        problems = "; ".join(describe_error(dict(e)) for e in exc.errors())
        field = ".".join(str(p) for p in exc.errors()[0]["loc"]) if exc.errors() else None
        raise ConfigError(f"invalid configuration{where}: {problems}", field=field) from exc
    except (SettingsError, ValueError) as exc:
        # A source that cannot parse a value (pydantic-settings names only the section).
        raise ConfigError(f"invalid configuration{where}: {exc}") from exc
    return loaded


def masked_dump(settings: Settings) -> dict[str, Any]:
    """The effective settings as plain data, every secret shown as '****'."""
    data: dict[str, Any] = settings.model_dump(mode="json")
    url = settings.database.url
    data["database"]["url"] = None if url is None else url.get_secret_value()
    data["database_url_effective"] = settings.database_url
    result: dict[str, Any] = masked(data)
    return result
