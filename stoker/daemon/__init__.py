"""The daemon: composition root and process lifecycle (signals, systemd, leadership)."""
