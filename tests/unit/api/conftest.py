"""Fixtures: the real FastAPI app over in-memory services, driven in-process over ASGI."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from stoker.api.app import create_app
from stoker.api.ports import ApiServices
from stoker.config.settings import ApiSettings
from tests.unit.api.asgi import asgi_client
from tests.unit.api.fakes import FakeServices


@pytest.fixture
def services(tmp_path: Path) -> FakeServices:
    return FakeServices(tmp_path / "logs")


@pytest.fixture
def client(services: FakeServices) -> Iterator[httpx.Client]:
    typed: ApiServices = services
    with asgi_client(create_app(typed, ApiSettings(), version="9.9.9")) as test_client:
        yield test_client
