"""The daemon: composition root and process lifecycle (signals, systemd, the embedded API)."""
