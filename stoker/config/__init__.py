"""Configuration (one Settings tree from TOML + STOKER_* variables) and logging set-up."""

from stoker.config.settings import Settings, load_settings

__all__ = ["Settings", "load_settings"]
