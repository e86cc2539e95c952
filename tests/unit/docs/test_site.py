"""The documentation site builds with no network, strictly, and loads nothing from outside."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import service_unavailable
from tests.support.daemon import REPO

MKDOCS = Path(sys.executable).parent / "mkdocs"
#: What a page or stylesheet would fetch: src/srcset/link href attributes, CSS url()/@import.
_FETCHED = re.compile(
    r"""(?:\bsrc|\bsrcset|<link[^>]*\bhref)\s*=\s*["']?\s*(https?:)?//"""
    r"""|url\(\s*["']?(https?:)?//|@import\s+["']?(https?:)?//""",
    re.IGNORECASE,
)
_URL = re.compile(r"https?://[A-Za-z0-9.\-]+(?:/[A-Za-z0-9._/@\-]*)?")
#: URLs inside the theme's scripts, and why none of them is fetched by this site.
THEME_SCRIPT_URLS = {
    # Only for a browser without ResizeObserver (every current one has it).
    "https://unpkg.com/resize-observer-polyfill": "old browsers",
    # Only for a page with a mermaid diagram: test_no_page_needs_a_remote_script.
    "https://unpkg.com/mermaid@11/dist/mermaid.min.js": "mermaid diagrams",
    # Repository facts, only with repo_url set: test_no_page_needs_a_remote_script.
    "https://api.github.com/repos/": "repo_url",
    "https://api.github.com/users/": "repo_url",
    # License comments.
    "https://clipboardjs.com/": "license",
    "http://lunrjs.com": "license",
    "http://tartarus.org/": "license",
    "https://bit.ly/2s3ChXG": "license",
}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`mkdocs build --strict` inside a network namespace of its own: no network at all."""
    if not MKDOCS.exists():
        service_unavailable("mkdocs is not installed: `make install` installs the docs extra")
    if subprocess.run(["unshare", "-rn", "true"], check=False).returncode != 0:
        service_unavailable("unshare -rn (a network namespace) is not available here")
    out = tmp_path_factory.mktemp("site")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run(
        ["unshare", "-rn", str(MKDOCS), "build", "--strict", "--site-dir", str(out)],
        cwd=REPO, env=env, capture_output=True, text=True, check=False, timeout=240,
    )  # fmt: skip
    assert result.returncode == 0, f"mkdocs build failed:\n{result.stdout}\n{result.stderr}"
    return out


def nav_pages(nav: object) -> list[str]:
    if isinstance(nav, str):
        return [nav]
    if isinstance(nav, dict):
        return [page for value in nav.values() for page in nav_pages(value)]
    assert isinstance(nav, list)
    return [page for item in nav for page in nav_pages(item)]


def test_every_page_is_in_the_navigation_and_built(site: Path) -> None:
    config = yaml.safe_load((REPO / "mkdocs.yml").read_text(encoding="utf-8"))
    listed = nav_pages(config["nav"])
    on_disk = sorted(str(p.relative_to(REPO / "docs")) for p in (REPO / "docs").rglob("*.md"))
    assert sorted(listed) == on_disk, "every page of docs/ is in the navigation, once"
    for page in listed:
        assert (site / page.replace(".md", ".html")).is_file(), page
    assert (site / "search" / "search_index.json").is_file()


def test_pages_and_stylesheets_fetch_nothing_from_outside(site: Path) -> None:
    fetched = []
    for path in [*site.rglob("*.html"), *site.rglob("*.css")]:
        text = path.read_text(encoding="utf-8", errors="replace")
        fetched += [f"{path.relative_to(site)}: {m.group(0)}" for m in _FETCHED.finditer(text)]
    assert not fetched, "external resources:\n" + "\n".join(fetched)
    pages = "".join(p.read_text(encoding="utf-8") for p in site.rglob("*.html"))
    assert "fonts.googleapis" not in pages and "fonts.gstatic" not in pages


def test_the_theme_scripts_fetch_only_what_this_site_never_asks_for(site: Path) -> None:
    """The page's bundle and the search worker; the worker's lunr language files come from
    the site itself (and name URLs only in comments)."""
    scripts = site / "assets" / "javascripts"
    found = set()
    for path in [*scripts.glob("bundle.*.js"), *scripts.glob("workers/*.js")]:
        found |= set(_URL.findall(path.read_text(encoding="utf-8", errors="replace")))
    new = found - set(THEME_SCRIPT_URLS)
    assert not new, f"URLs new in the theme's scripts, to be judged: {new}"


def test_no_page_needs_a_remote_script(site: Path) -> None:
    config = yaml.safe_load((REPO / "mkdocs.yml").read_text(encoding="utf-8"))
    assert "repo_url" not in config, "repo_url makes the theme call api.github.com"
    assert config["theme"]["font"] is False, "theme.font loads Google Fonts"
    for path in site.rglob("*.html"):
        assert 'class="mermaid"' not in path.read_text(encoding="utf-8"), path
