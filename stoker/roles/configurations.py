"""The security configuration service: Glue's Create/Get/Delete SecurityConfiguration.

A configuration is read when a run of a job that names it is launched; deleting one
makes those jobs' next runs end ERROR at launch, saying so (never run unencrypted).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from stoker.aio import Blocking
from stoker.domain.security_configs import SecurityConfiguration, config_name, validate_config
from stoker.store.security_configs import SecurityConfigStore

log = logging.getLogger(__name__)


class SecurityConfigService:
    def __init__(self, store: SecurityConfigStore, io: Blocking,
                 clock: Callable[[], datetime]) -> None:  # fmt: skip
        self._store = store
        self._io = io
        self._clock = clock

    async def create(self, config: SecurityConfiguration) -> SecurityConfiguration:
        created = await self._io(self._store.create, validate_config(config), self._clock())
        log.info("security configuration created", extra={
            "action": "security_configuration.created",
            "security_configuration": created.name,
        })  # fmt: skip
        return created

    async def get(self, name: str) -> SecurityConfiguration:
        found: SecurityConfiguration = await self._io(self._store.get, config_name(name))
        return found

    async def list_configs(self, limit: int, after: str | None) -> list[SecurityConfiguration]:
        found: list[SecurityConfiguration] = await self._io(self._store.list, limit, after)
        return found

    async def delete(self, name: str) -> None:
        await self._io(self._store.delete, config_name(name))
        log.info("security configuration deleted", extra={
            "action": "security_configuration.deleted", "security_configuration": name,
        })  # fmt: skip
