"""The settings of what leaves the daemon: run events on Kafka (and the consumers of EVENT
triggers), the events' envelope and outbox, and the Prometheus metrics."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr

# As every section of the Settings tree: inf and nan are no duration, port or size.
_CONFIG = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class KafkaSettings(BaseModel):
    """Publishing run events to Kafka, and the consumers of EVENT triggers."""

    model_config = _CONFIG

    bootstrap_servers: str | None = Field(
        default=None,
        description="Kafka bootstrap servers, e.g. `127.0.0.1:9092`. Unset: events stay in the "
        "outbox, readable with `stoker events list`, and EVENT triggers never fire.",
    )
    topic: str = Field(
        default="stoker.job-run-status", description="Topic the run state-change events go to."
    )
    client_id: str = Field(default="stoker", description="Kafka client id.")
    security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = Field(
        default="PLAINTEXT",
        description="Passed to kafka-python as is (stoker.notifications.kafka is the only reader).",
    )
    sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] | None = Field(
        default=None, description="SASL mechanism, with `SASL_PLAINTEXT` or `SASL_SSL`."
    )
    sasl_username: str | None = Field(default=None, description="SASL user name.")
    sasl_password: SecretStr | None = Field(
        default=None,
        description="SASL password; shows as `****` in `stoker config show`, never logged.",
    )
    ssl_cafile: Path | None = Field(
        default=None, description="PEM file of the CA certificates that verify the brokers."
    )
    ssl_certfile: Path | None = Field(
        default=None, description="PEM client certificate, for brokers that ask for one."
    )
    ssl_keyfile: Path | None = Field(default=None, description="PEM private key of `ssl_certfile`.")
    consumer_group: str = Field(
        default="stoker",
        description="EVENT triggers: one consumer group per daemon cluster (every daemon of it "
        "shares it).",
    )
    dead_letter_topic: str = Field(
        default="stoker.dead-letter",
        description="Messages EVENT triggers cannot read (not JSON, too large) go here, with "
        "the reason.",
    )
    max_message_bytes: int = Field(
        default=1_048_576,
        gt=0,
        description="A consumed message larger than this is dead-lettered instead of matched.",
    )


class EventsSettings(BaseModel):
    """The envelope of every run event, and how long the outbox keeps delivered ones."""

    model_config = _CONFIG

    source: str = Field(
        default="stoker",
        description="`source` of every event (`aws.glue` instead with `glue_compatible`).",
    )
    account: str = Field(
        default="000000000000",
        pattern=r"^[0-9]{12}$",
        description="`account` of every event (12 digits).",
    )
    region: str = Field(default="local", description="`region` of every event.")
    glue_compatible: bool = Field(
        default=False,
        description="Emit Glue's exact detail-type strings and source (\"Glue Job State "
        'Change", `aws.glue`).',
    )
    outbox_retention_days: float = Field(
        default=7,
        gt=0,
        description="Delivered events are deleted from the outbox after this many days "
        "(pending ones never).",
    )


class MetricsSettings(BaseModel):
    """Prometheus endpoint and the Spark figures collected from the drivers."""

    model_config = _CONFIG

    spark_enabled: bool = Field(
        default=True,
        description="Collect Glue's job metrics (bytes, records, shuffle, heap, CPU, executors) "
        "from running Spark drivers.",
    )
    spark_refresh_seconds: float = Field(
        default=5.0,
        ge=0.2,
        le=3600,
        description="How often a driver samples the run it is executing (the freshness "
        "`/metrics` shows); drivers sample at the smaller of this and "
        "`history_interval_seconds`.",
    )
    history_interval_seconds: float = Field(
        default=10.0,
        ge=0.2,
        le=3600,
        description="A run's stored metrics history keeps samples at least this far apart, "
        "plus its first and its final one.",
    )
    port: int | None = Field(
        default=None,
        ge=1,
        le=65535,
        description="Serve `/metrics` on this port of its own (only `/metrics` there) instead "
        "of the API's; it must differ from `api.port`.",
    )
    host: str | None = Field(
        default=None, description="Address of the `metrics.port` listener; unset means `api.host`."
    )
    require_auth: bool = Field(
        default=False,
        description="Require one of `api.tokens` as bearer token on `/metrics` (the scraper "
        "then needs a token too); needs at least one token, and is required when `/metrics` "
        "is served off loopback.",
    )
