"""Short-lived AWS credentials for each run, so a script's own ``boto3.client("glue")``
reaches stoker's Glue endpoint, signed, and nothing else.

A key pair and session token are minted when an attempt is launched and revoked as soon
as it ends (whatever the outcome): they live in this daemon's memory only, so a restart
ends them too. The Glue endpoint accepts them (SigV4 with the session token); the HTTP
API never does (its bearer tokens are another thing). They reach the script as
environment variables set inside the run's process (never on a command line or in a log).
"""

from __future__ import annotations

import hmac
import secrets
import string
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

#: Temporary AWS key ids start with ASIA; stoker's run keys say whose they are.
KEY_PREFIX = "ASIASTOKER"
_KEY_ALPHABET = string.ascii_uppercase + string.digits


@dataclass(frozen=True)
class RunCredential:
    run_id: str
    access_key_id: str
    secret_access_key: str = field(repr=False)
    session_token: str = field(repr=False)


def is_run_key(key_id: str) -> bool:
    return key_id.startswith(KEY_PREFIX)


class RunCredentials:
    """The live runs' credentials, and the environment that hands them to a run.

    ``endpoint_url`` is where a run reaches the Glue endpoint (None: no Glue endpoint is
    served, and runs get no credentials).
    """

    def __init__(self, endpoint_url: str | None, region: str) -> None:
        self.endpoint_url = endpoint_url
        self._region = region
        self._by_key: dict[str, RunCredential] = {}
        self._by_run: dict[str, str] = {}

    def mint(self, run_id: str) -> RunCredential:
        """New credentials for the run's attempt (any earlier ones of the run revoked)."""
        self.revoke(run_id)
        key_id = KEY_PREFIX + "".join(secrets.choice(_KEY_ALPHABET) for _ in range(10))
        credential = RunCredential(run_id, key_id, secrets.token_urlsafe(30),
                                   secrets.token_urlsafe(48))  # fmt: skip
        self._by_key[key_id] = credential
        self._by_run[run_id] = key_id
        return credential

    def revoke(self, run_id: str) -> None:
        key_id = self._by_run.pop(run_id, None)
        if key_id is not None:
            self._by_key.pop(key_id, None)

    def key_ids(self) -> list[str]:
        return list(self._by_key)

    def lookup(self, key_id: str) -> RunCredential | None:
        return self._by_key.get(key_id)

    def session_matches(self, key_id: str, token: str) -> bool:
        credential = self._by_key.get(key_id)
        return credential is not None and hmac.compare_digest(
            credential.session_token.encode(), token.encode()
        )

    def environment(self, run_id: str) -> dict[str, str]:
        """The run's AWS environment with freshly minted credentials; empty without an
        endpoint. The region is stoker's (its events' ``region``)."""
        if self.endpoint_url is None:
            return {}
        credential = self.mint(run_id)
        return {
            "AWS_ENDPOINT_URL_GLUE": self.endpoint_url,
            "AWS_ACCESS_KEY_ID": credential.access_key_id,
            "AWS_SECRET_ACCESS_KEY": credential.secret_access_key,
            "AWS_SESSION_TOKEN": credential.session_token,
            "AWS_REGION": self._region,
            "AWS_DEFAULT_REGION": self._region,
        }


class KeyRing(Mapping[str, str]):
    """Secret keys by access key id: the configured ones, then the live runs'."""

    def __init__(self, configured: Mapping[str, str], runs: RunCredentials | None) -> None:
        self._configured = configured
        self._runs = runs

    def __getitem__(self, key_id: str) -> str:
        if key_id in self._configured:
            return self._configured[key_id]
        credential = self._runs.lookup(key_id) if self._runs is not None else None
        if credential is None:
            raise KeyError(key_id)
        return credential.secret_access_key

    def __iter__(self) -> Iterator[str]:
        yield from self._configured
        if self._runs is not None:
            yield from self._runs.key_ids()

    def __len__(self) -> int:
        return len(self._configured) + (len(self._runs.key_ids()) if self._runs else 0)
