"""The Data Catalog: its service, a run's view of it, schema inference, Glue-style scripts."""
