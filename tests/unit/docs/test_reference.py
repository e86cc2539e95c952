"""The references cannot drift from the code: the generated pages are current, every setting
is described, and the hand-written pages name every route and every job and trigger key."""

from __future__ import annotations

import importlib.util
from types import ModuleType

from pydantic import BaseModel

from stoker.config.settings import Settings
from stoker.definitions.files import JOB_SPEC, TRIGGER_SPEC
from tests.support.daemon import REPO
from tests.unit.docs.checks import http_paths

DOCS = REPO / "docs"


def generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("docs_reference", REPO / "scripts" /
                                                  "docs_reference.py")  # fmt: skip
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_committed_reference_pages_are_what_the_code_generates() -> None:
    diffs = generator().stale()
    assert not diffs, (
        "docs/reference/ is stale; run: .venv/bin/python scripts/docs_reference.py\n"
        + "\n".join(diffs)
    )


def test_every_setting_and_section_has_a_description() -> None:
    missing = []
    for name, field in Settings.model_fields.items():
        section = field.annotation
        if isinstance(section, type) and issubclass(section, BaseModel):
            if not section.__doc__:
                missing.append(f"[{name}] (a docstring on {section.__name__})")
            missing += [
                f"{name}.{key}" for key, sub in section.model_fields.items() if not sub.description
            ]
        elif not field.description:
            missing.append(name)
    assert not missing, f"settings without Field(description=...): {', '.join(missing)}"


def test_the_reference_lists_every_setting_and_command() -> None:
    settings = (DOCS / "reference" / "configuration.md").read_text(encoding="utf-8")
    assert "`STOKER_KAFKA__SASL_PASSWORD`" in settings and "`STOKER_DATA_DIR`" in settings
    commands = (DOCS / "reference" / "cli.md").read_text(encoding="utf-8")
    for heading in ("## stoker runs start", "## stoker jobs script put", "## stoker apply"):
        assert heading in commands


def test_the_http_page_names_every_route() -> None:
    page = (DOCS / "http-api.md").read_text(encoding="utf-8")
    missing = sorted(path for path in http_paths() if f"{path}`" not in page and
                     f"{path}?" not in page)  # fmt: skip
    assert not missing, f"docs/http-api.md does not name: {', '.join(missing)}"


def leaves(spec: dict[str, object], prefix: str = "") -> set[str]:
    """Every key a file may set, nested ones dotted (``command.name``)."""
    found = set()
    for key, sub in spec.items():
        if isinstance(sub, dict):
            found |= leaves(sub, f"{prefix}{key}.")
        else:
            found.add(f"{prefix}{key}")
    return found


def undocumented(spec: dict[str, object], page: str) -> list[str]:
    """Keys named on ``page`` neither in full nor by their last part."""
    text = (DOCS / page).read_text(encoding="utf-8")
    return sorted(k for k in leaves(spec) if f"`{k}`" not in text
                  and f"`{k.rsplit('.', 1)[-1]}`" not in text)  # fmt: skip


def test_the_job_and_trigger_keys_are_all_documented() -> None:
    missing = undocumented(JOB_SPEC, "jobs-and-runs.md")
    assert not missing, f"docs/jobs-and-runs.md misses job keys: {missing}"
    missing = undocumented(TRIGGER_SPEC, "definitions.md")
    assert not missing, f"docs/definitions.md misses trigger keys: {missing}"
