"""The web console: hand-written ES modules and CSS, served by the daemon on the API port.

The console talks to the daemon only through the HTTP API (same origin, JSON, the bearer
token of the browser tab); this package serves its files and nothing else.
"""

from stoker.web.console import CONSOLE_PATH, console_router

__all__ = ["CONSOLE_PATH", "console_router"]
