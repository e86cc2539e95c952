"""Glue Data Quality in ETL jobs (``awsgluedq``): the DQDL subset parser and its evaluation."""
