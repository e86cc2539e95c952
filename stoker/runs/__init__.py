"""Runs: the run service (the only code that changes a run's state), the dispatcher that
promotes queued runs, run deadlines, and crash recovery."""
