"""stoker: a self-hosted job orchestrator for Spark ETL with AWS Glue job semantics."""

__version__ = "0.1.0"
