"""The daemon's own Prometheus metrics: defined in ``registry``, fed by ``collector``."""
