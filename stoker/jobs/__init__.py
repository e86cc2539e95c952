"""Job definitions and their scripts: the job catalog and the content-addressed script store."""
