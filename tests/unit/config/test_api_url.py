"""The URL the CLI and the ready message give for the API's address."""

from __future__ import annotations

import pytest

from stoker.config.settings import ApiSettings, Settings


@pytest.mark.parametrize(
    ("host", "url"),
    [
        ("127.0.0.1", "http://127.0.0.1:8421"),
        ("0.0.0.0", "http://127.0.0.1:8421"),  # every address: reach it on loopback
        ("::", "http://127.0.0.1:8421"),
        ("::1", "http://[::1]:8421"),
        ("fd00::5", "http://[fd00::5]:8421"),
        ("stoker.internal", "http://stoker.internal:8421"),
    ],
)
def test_the_api_url_is_a_url_for_every_kind_of_host(host: str, url: str) -> None:
    assert Settings(api=ApiSettings(host=host, port=8421)).api_url == url
