"""One Chromium and one real daemon (warm pool of one Spark driver) for every browser test.

Debian's chromium is driven by Playwright (its own browser download cannot work offline);
without chromium or playwright the tests skip, and fail under CI=true like every service.
Each test leaves a screenshot of its page in docs/screenshots/ (the README shows them).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import required_binary, service_unavailable
from tests.support.daemon import REPO, DaemonProcess

SCREENSHOTS = REPO / "docs" / "screenshots"
#: Waits for what a real Spark run does; the page itself answers in well under a second.
RUN_TIMEOUT_MS = 90_000


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    chromium = required_binary("chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        service_unavailable("playwright is not installed (pip install -e '.[dev]')")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=chromium, args=["--headless", "--no-sandbox"]
        )
        yield launched
        launched.close()


@pytest.fixture(scope="package")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DaemonProcess]:
    proc = DaemonProcess(tmp_path_factory.mktemp("console"), pool_size=1).start()
    yield proc
    proc.stop()


def open_page(browser: Any, request: pytest.FixtureRequest, **context: Any) -> Iterator[Any]:
    """A fresh tab at 1280x800 (or ``context``'s viewport); its screenshot is taken after
    the test, named after it."""
    ctx = browser.new_context(**{"viewport": {"width": 1280, "height": 800}, **context})
    page = ctx.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    screenshot(page, request.node.name.removeprefix("test_"))
    ctx.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def screenshot(page: Any, name: str) -> None:
    """A screenshot of ``page`` as it is now, beside the one each test leaves at its end."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    yield from open_page(browser, request)
