"""The lines a person reads when the daemon is ready: where the API is, what to type next."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

from stoker.config.settings import ApiSettings, Settings

#: The example job a first run is shown (`make run` registers it).
FIRST_EXAMPLE = "orders_etl"


def cli_command(argv0: str, cwd: Path) -> str:
    """How to type the CLI that started this daemon: ``stoker`` when that is what PATH finds,
    else the path it was started by (relative to ``cwd`` when under it, as `make run`'s
    ``.venv/bin/stoker``)."""
    path = Path(argv0)
    if path.name != "stoker" or len(path.parts) == 1:
        return "stoker"
    on_path = shutil.which("stoker")
    if on_path is not None and Path(on_path).resolve() == path.resolve():
        return "stoker"
    if not path.is_absolute():
        return argv0
    try:
        return str(path.relative_to(cwd))
    except ValueError:
        return argv0


def ready_message(settings: Settings, cli: str, example_jobs: Sequence[str]) -> str:
    """The API's URL, its interactive docs, the console, and the next commands to try."""
    url = settings.api_url
    default = ApiSettings()
    target = "" if url == f"http://{default.host}:{default.port}" else f" --api-url {url}"
    if example_jobs:
        example = FIRST_EXAMPLE if FIRST_EXAMPLE in example_jobs else example_jobs[0]
        second = f"{cli}{target} runs start {example} --wait"
    else:
        second = f"{cli} jobs create --help"
    lines = [
        f"stoker is ready: API at {url}, interactive API docs at {url}/docs",
        f"the web console: open {url}/ in a browser",
        "next, in another terminal:",
        f"  {cli}{target} jobs list",
        f"  {second}",
    ]
    if settings.api.tokens:
        lines.append("  (the API needs a token: export STOKER_API_TOKEN=<one of api.tokens>)")
    return "\n".join(lines)
