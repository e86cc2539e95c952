"""The Settings tree: TOML file, then STOKER_* environment variables (nested with __)."""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)
from pydantic_settings.exceptions import SettingsError

from stoker.config.access import TokenGrant, parse_entry, token_name
from stoker.config.cluster import ClusterSettings
from stoker.config.display import describe_error, masked
from stoker.config.environment import ENV_PREFIX, check_environment
from stoker.config.events import EventsSettings, KafkaSettings, MetricsSettings
from stoker.config.glue import GlueApiSettings
from stoker.config.security import SecuritySettings
from stoker.config.sessions import SessionSettings
from stoker.errors import ConfigError

#: The database URLs stoker can open (SQLAlchemy drivers it ships with).
DATABASE_DRIVERS = ("sqlite", "sqlite+pysqlite", "postgresql", "postgresql+psycopg")
_HOST_ENTRY = re.compile(
    r"(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9][A-Za-z0-9.\-]{0,252}|[0-9A-Fa-f:]+)"
    r"(?::[0-9]{1,5})?"
)
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]{0,39}")


class _Section(BaseModel):
    # inf and nan are no duration, port or size: refused like any other invalid number.
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class DatabaseSettings(_Section):
    """Where runs, jobs, triggers and events are stored: SQLite by default, or PostgreSQL."""

    url: SecretStr | None = Field(
        default=None,
        description="SQLAlchemy URL of the database, e.g. `postgresql+psycopg://user:pw@host/db`; "
        "unset means SQLite (WAL) at `<data_dir>/stoker.db`. Its password shows as `****` in "
        "`stoker config show`.",
    )
    busy_timeout_ms: int = Field(
        default=10_000, ge=0, description="How long SQLite waits for a lock, in milliseconds."
    )

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
    """The HTTP API, which the CLI and every other client use."""

    host: str = Field(
        default="127.0.0.1",
        description="Address the HTTP API listens on; one that is not loopback needs `api.tokens`.",
    )
    port: int = Field(default=8421, ge=1, le=65535, description="Port of the HTTP API.")
    tokens: list[SecretStr | TokenGrant] = Field(
        default_factory=list,
        description="Bearer tokens the API accepts; required when `host` is not a loopback "
        "address. An entry is a bare secret (an `admin` named `tokens[<index>]`) or a table "
        '`{name = "ci", token = "...", role = "operator", jobs = ["etl-*"], tags = '
        '["team=data"]}` (docs/security.md). Each secret shows as `****` in `stoker config '
        "show`.",
    )
    allowed_hosts: list[str] | None = Field(
        default=None,
        description="Host names requests may address (`name` on the API's port, or "
        "`name:port`); unset: `api.host`, localhost, 127.0.0.1 and ::1 (and this machine's "
        "name on 0.0.0.0 / ::). Anything else is refused (DNS rebinding); `*` (any) needs "
        "`api.tokens`.",
    )
    max_body_bytes: int = Field(
        default=16 * 1024 * 1024,
        ge=1024,
        le=1024**3,
        description="Larger request bodies are refused (413) while they are read, before "
        "they are parsed.",
    )

    @field_validator("tokens", mode="before")
    @classmethod
    def _tables(cls, value: Any) -> Any:
        if not isinstance(value, list):
            return value
        return [parse_entry(entry, TokenGrant, f"[{index}]") for index, entry in enumerate(value)]

    @field_validator("tokens")
    @classmethod
    def _unique_names(cls, value: list[SecretStr | TokenGrant]) -> list[SecretStr | TokenGrant]:
        names = [token_name(entry, index) for index, entry in enumerate(value)]
        for name in names:
            if names.count(name) > 1:
                raise ValueError(f"two tokens are named {name!r}; each needs its own name")
        return value

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
    """The warm pool of Spark drivers and the `spark-submit` of isolated runs."""

    master: str = Field(
        default="local[*]",
        description="Spark master URL of every driver, e.g. `local[*]` or `spark://host:7077`.",
    )
    pool_size: int = Field(
        default=2,
        ge=0,
        le=64,
        description="Warm Spark drivers; as many `pool` runs execute at once, the rest wait.",
    )
    conf: dict[str, str] = Field(
        default_factory=dict, description="Spark configuration given to every driver."
    )
    recycle_after_runs: int = Field(
        default=200,
        ge=1,
        description="A warm driver is replaced after this many runs (fresh JVM, no leaked state).",
    )
    stop_grace_seconds: float = Field(
        default=10.0,
        gt=0,
        description="How long a stopped run may take to yield before its driver is killed and "
        "replaced (for isolated and Python shell runs: before their process is killed).",
    )
    start_timeout_seconds: float = Field(
        default=180.0,
        gt=0,
        description="How long a new driver may take to start its SparkSession and warm up.",
    )
    spark_submit: str | None = Field(
        default=None,
        description="`spark-submit` used by isolated runs; unset means the one pyspark ships.",
    )
    deploy_mode: Literal["client", "cluster"] = Field(
        default="client",
        description="Where an isolated run's driver runs: `client` (on the daemon's machine) or "
        "`cluster` (on a worker of a standalone `spark://` master). A job's spark_conf "
        "`spark.submit.deployMode` overrides it for that job.",
    )
    master_web_url: str | None = Field(
        default=None,
        description="The standalone master's web UI, whose `/json/` status gives cluster-mode "
        "runs' driver state; unset means `http://<first master host>:8080`.",
    )

    @field_validator("master_web_url")
    @classmethod
    def _web_url(cls, value: str | None) -> str | None:
        if value is not None and urlsplit(value).scheme not in ("http", "https"):
            raise ValueError(f"master_web_url must be an http:// or https:// URL, not {value!r}")
        return value.rstrip("/") if value else value

    @model_validator(mode="after")
    def _cluster_needs_standalone(self) -> SparkSettings:
        if self.deploy_mode == "cluster" and not self.master.startswith("spark://"):
            raise ValueError(
                f'deploy_mode = "cluster" needs a standalone master (spark://host:port); '
                f"master is {self.master!r}"
            )
        return self

    def web_url(self) -> str:
        """The master's web UI (``master_web_url``, else port 8080 of the first master host)."""
        if self.master_web_url:
            return self.master_web_url
        first = self.master.removeprefix("spark://").split(",")[0]
        return f"http://{first.rsplit(':', 1)[0]}:8080"


def _retention_days(value: Any) -> Any:
    """A number of days (1-36500; a digit string from STOKER_LOGS__RETENTION_DAYS) or
    "never", refused with one message saying both (not pydantic's one per union member)."""
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if value == "never" or (type(value) is int and 1 <= value <= 36500):
        return value
    raise PydanticCustomError(
        "retention_days", "must be a whole number of days from 1 to 36500 or 'never'"
    )


class LogsSettings(_Section):
    """Run logs and the daemon's own log."""

    dir: Path | None = Field(
        default=None,
        description="Root of the run logs (`runs/<run id>/`) and the drivers' JVM logs "
        "(`drivers/`); unset means `<data_dir>/logs`.",
    )
    retention_days: Annotated[int | Literal["never"], BeforeValidator(_retention_days)] = Field(
        default=90,
        description="Days (1-36500) an ended run's logs, Spark metrics samples and EVENT batch "
        "payload files are kept, or `never`, for jobs that set no `log_retention_days` (and "
        "the runs of deleted jobs); never those of a run still live; swept at start, then hourly.",
    )
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="INFO", description="Level of the daemon's log (stderr)."
    )
    format: Literal["text", "json"] = Field(
        default="text",
        description="Daemon log lines: `text` (time, level, logger, message, `key=value` fields) "
        "or `json` (one object per line, for log shippers).",
    )


class DaemonSettings(_Section):
    """The daemon's lifecycle."""

    shutdown_grace_seconds: float = Field(
        default=30.0,
        ge=0,
        description="On SIGTERM, running runs get this long to finish before they are stopped.",
    )
    poll_interval_seconds: float = Field(
        default=2.0,
        gt=0,
        description="Safety-net poll of the run queue; wake-ups normally come from in-process "
        "events.",
    )
    example_jobs_dir: Path | None = Field(
        default=None,
        description="Apply the definitions files of this directory at start (as `stoker apply "
        "DIR` does, without pruning); `make run` sets it to `examples/`.",
    )
    script_roots: list[Path] = Field(
        default_factory=list,
        description="Directories a job's `command.script_location` may point into, besides "
        "the daemon's own script store (`<data_dir>/scripts`, where uploaded scripts go). "
        "Anything else is refused, so the API cannot read or run other files of the "
        "daemon's machine.",
    )


_BUCKET = re.compile(r"[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]")


class GlueSettings(_Section):
    """What Glue scripts see inside a run: where their `s3://` paths are."""

    s3_buckets: dict[str, str] = Field(
        default_factory=dict,
        description="S3 bucket name → where its objects are: an absolute directory "
        "(`/data/lake`), `file:///data/lake` or any Hadoop filesystem URI "
        "(`hdfs://namenode/lake`); `s3://bucket/key` in a script or a catalog table then "
        "reads and writes `<that>/key`. Written as a TOML table, e.g. "
        '`[glue.s3_buckets]` `raw = "/data/raw"`.',
    )

    @field_validator("s3_buckets")
    @classmethod
    def _buckets(cls, value: dict[str, str]) -> dict[str, str]:
        for bucket, target in value.items():
            if not _BUCKET.fullmatch(bucket) or ".." in bucket:
                raise ValueError(
                    f"{bucket[:80]!r} is not an S3 bucket name (3-63 characters of lower-case "
                    "letters, digits, '.' and '-', starting and ending with a letter or digit)"
                )
            scheme = urlsplit(target).scheme
            local = target.startswith("/") and not scheme
            if not local and not (scheme and _SCHEME.fullmatch(scheme) and "://" in target):
                raise ValueError(
                    f"s3_buckets.{bucket} = {target[:80]!r}: give an absolute directory "
                    "(/data/lake), file:///data/lake or a Hadoop filesystem URI "
                    "(hdfs://namenode/lake)"
                )
            if scheme == "s3":
                raise ValueError(f"s3_buckets.{bucket} maps to s3:// again; map it to a "
                                 "directory or another filesystem")  # fmt: skip
        return value


class AuditSettings(_Section):
    """The audit log of changes made through the API and the Glue endpoint (docs/security.md)."""

    retention_days: int = Field(
        default=365,
        ge=1,
        description="Audit entries older than this many days are deleted; swept at start, "
        "then hourly. Nothing else ever deletes or changes an entry.",
    )


class Settings(BaseSettings):
    """Every setting stoker reads. Unknown keys and invalid values are errors."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_nested_delimiter="__", extra="forbid", frozen=True,
        allow_inf_nan=False,
    )  # fmt: skip

    data_dir: Path = Field(
        default=Path("./stoker-data"),
        description="Where stoker keeps its state: the SQLite database, run logs, job scripts, "
        "EVENT trigger batch files. Relative to the daemon's working directory.",
    )
    database: DatabaseSettings = DatabaseSettings()
    api: ApiSettings = ApiSettings()
    spark: SparkSettings = SparkSettings()
    logs: LogsSettings = LogsSettings()
    kafka: KafkaSettings = KafkaSettings()
    events: EventsSettings = EventsSettings()
    metrics: MetricsSettings = MetricsSettings()
    daemon: DaemonSettings = DaemonSettings()
    glue_api: GlueApiSettings = GlueApiSettings()
    glue: GlueSettings = GlueSettings()
    sessions: SessionSettings = SessionSettings()
    security: SecuritySettings = SecuritySettings()
    cluster: ClusterSettings = ClusterSettings()
    audit: AuditSettings = AuditSettings()

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
        if ":" in host:  # an IPv6 address: a URL brackets it ("http://[::1]:8421")
            host = f"[{host}]"
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
