"""Executors run scripts and report how they ended; they never touch the store."""
