"""The `stoker` command line: talks to the daemon over its HTTP API only."""
