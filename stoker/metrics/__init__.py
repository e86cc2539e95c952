"""Metrics: Prometheus figures (defined in ``registry``, fed by ``collector`` and ``spark``)
and each run's stored Spark samples (``history``)."""
