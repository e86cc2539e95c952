"""The typed HTTP client of the daemon's API: the CLI's only way in."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote

import httpx

from stoker import errors
from stoker.errors import StokerError

DEFAULT_API_URL = "http://127.0.0.1:8421"
MAX_PAGE = 1000

Json = dict[str, Any]
#: Fetches one page given a page size and the previous page's next_token.
PageFetcher = Callable[[int, str | None], Json]


class DaemonUnreachable(StokerError):
    """Raised when the CLI cannot reach the daemon's API at the configured URL."""

    code = "DaemonUnreachable"
    http_status = 503
    exit_code = 6


def _error_classes() -> dict[str, type[StokerError]]:
    found: dict[str, type[StokerError]] = {}
    pending: list[type[StokerError]] = [StokerError]
    while pending:
        cls = pending.pop()
        found.setdefault(cls.code, cls)
        pending.extend(cls.__subclasses__())
    return found


#: When the daemon sends a code this CLI does not know, the status decides the exit code.
_BY_STATUS: dict[int, type[StokerError]] = {
    400: errors.InvalidInput,
    401: errors.Unauthorized,
    404: errors.NotFound,
    409: errors.Conflict,
    429: errors.ConcurrentRunsExceeded,
    503: errors.ShuttingDown,
}


def error_from_response(response: httpx.Response) -> StokerError:
    """The StokerError the daemon raised, rebuilt from its JSON error body."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict) or "code" not in body:
        text = response.text.strip()[:200]
        return StokerError(f"HTTP {response.status_code} from {response.url}: {text}")
    code = str(body["code"])
    cls = _error_classes().get(code) or _BY_STATUS.get(response.status_code, StokerError)
    error = cls(str(body.get("message", "")), field=body.get("field"))
    error.code = code
    return error


class StokerClient:
    """Calls the daemon. Every method returns the decoded JSON or raises a StokerError."""

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        *,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        # Every request says it carries JSON: the daemon refuses a state change that does
        # not (an HTML form on another site cannot send this header).
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self._http = httpx.Client(
            base_url=self.base_url, headers=headers, timeout=timeout, transport=transport
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> StokerClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _request(
        self, method: str, path: str, *, params: Json | None = None, json: Any = None
    ) -> Any:
        query = {k: v for k, v in (params or {}).items() if v is not None}
        try:
            response = self._http.request(method, path, params=query, json=json)
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            raise DaemonUnreachable(
                f"cannot reach the stoker daemon at {self.base_url} ({exc}); is the daemon "
                "running? start it with 'stoker daemon' or 'make run'"
            ) from exc
        except httpx.TransportError as exc:
            raise DaemonUnreachable(
                f"the stoker daemon at {self.base_url} did not answer: {exc!r}"
            ) from exc
        if response.status_code >= 400:
            raise error_from_response(response)
        if response.status_code == 204:
            return None
        return response.json()

    # --- daemon ---------------------------------------------------------------------------

    def health(self) -> Json:
        result: Json = self._request("GET", "/health")
        return result

    # --- jobs -----------------------------------------------------------------------------

    def cluster(self) -> Json:
        result: Json = self._request("GET", "/cluster")
        return result

    def create_job(self, body: Json) -> Json:
        result: Json = self._request("POST", "/jobs", json=body)
        return result

    def update_job(self, name: str, body: Json) -> Json:
        result: Json = self._request("PUT", f"/jobs/{_seg(name)}", json=body)
        return result

    def get_job(self, name: str) -> Json:
        result: Json = self._request("GET", f"/jobs/{_seg(name)}")
        return result

    def list_jobs_page(self, limit: int, next_token: str | None = None) -> Json:
        params = {"limit": limit, "next_token": next_token}
        result: Json = self._request("GET", "/jobs", params=params)
        return result

    def delete_job(self, name: str) -> None:
        self._request("DELETE", f"/jobs/{_seg(name)}")

    def get_script(self, name: str) -> Json:
        result: Json = self._request("GET", f"/jobs/{_seg(name)}/script")
        return result

    def put_script(self, name: str, script: str) -> Json:
        body = {"script": script}
        result: Json = self._request("PUT", f"/jobs/{_seg(name)}/script", json=body)
        return result

    # --- runs -----------------------------------------------------------------------------

    def start_run(
        self,
        job_name: str,
        arguments: dict[str, str],
        *,
        timeout: int | None = None,
        notify_delay_after: int | None = None,
        queuing: bool | None = None,
    ) -> Json:
        body: Json = {"arguments": arguments}
        optional = {
            "timeout": timeout,
            "notify_delay_after": notify_delay_after,
            "job_run_queuing_enabled": queuing,
        }
        body.update({k: v for k, v in optional.items() if v is not None})
        result: Json = self._request("POST", f"/jobs/{_seg(job_name)}/runs", json=body)
        return result

    def get_run(self, run_id: str) -> Json:
        result: Json = self._request("GET", f"/runs/{_seg(run_id)}")
        return result

    def list_runs_page(
        self,
        limit: int,
        next_token: str | None = None,
        *,
        job_name: str | None = None,
        state: str | None = None,
    ) -> Json:
        params = {"limit": limit, "next_token": next_token, "job": job_name, "state": state}
        result: Json = self._request("GET", "/runs", params=params)
        return result

    def stop_run(self, run_id: str) -> Json:
        result: Json = self._request("POST", f"/runs/{_seg(run_id)}/stop")
        return result

    def get_logs(self, run_id: str, *, stream: str, offset: int, limit: int = 65536) -> Json:
        params = {"stream": stream, "offset": offset, "limit": limit}
        result: Json = self._request("GET", f"/runs/{_seg(run_id)}/logs", params=params)
        return result

    def get_run_metrics(self, run_id: str) -> Json:
        result: Json = self._request("GET", f"/runs/{_seg(run_id)}/metrics")
        return result

    def job_triggers(self, name: str) -> Json:
        result: Json = self._request("GET", f"/jobs/{_seg(name)}/triggers")
        return result

    # --- triggers -------------------------------------------------------------------------

    def create_trigger(self, body: Json) -> Json:
        result: Json = self._request("POST", "/triggers", json=body)
        return result

    def update_trigger(self, name: str, body: Json) -> Json:
        result: Json = self._request("PUT", f"/triggers/{_seg(name)}", json=body)
        return result

    def get_trigger(self, name: str) -> Json:
        result: Json = self._request("GET", f"/triggers/{_seg(name)}")
        return result

    def list_triggers_page(
        self, limit: int, next_token: str | None = None, *, job_name: str | None = None
    ) -> Json:
        params = {"limit": limit, "next_token": next_token, "job": job_name}
        result: Json = self._request("GET", "/triggers", params=params)
        return result

    def delete_trigger(self, name: str) -> None:
        self._request("DELETE", f"/triggers/{_seg(name)}")

    def trigger_action(self, name: str, action: str) -> Json:
        """POST /triggers/{name}/{action}: start, activate or deactivate."""
        result: Json = self._request("POST", f"/triggers/{_seg(name)}/{action}")
        return result

    # --- jobs as code ---------------------------------------------------------------------

    def apply(self, body: Json) -> Json:
        result: Json = self._request("POST", "/apply", json=body)
        return result

    def export(self) -> Json:
        result: Json = self._request("GET", "/export")
        return result

    # --- bookmarks ------------------------------------------------------------------------

    def get_bookmark(self, job: str) -> Json:
        result: Json = self._request("GET", f"/jobs/{_seg(job)}/bookmark")
        return result

    def bookmark_history_page(self, job: str, limit: int, next_token: str | None = None) -> Json:
        params = {"limit": limit, "next_token": next_token}
        result: Json = self._request("GET", f"/jobs/{_seg(job)}/bookmark/history", params=params)
        return result

    def reset_bookmark(self, job: str, run_id: str | None = None) -> Json:
        body = {"run_id": run_id} if run_id is not None else {}
        result: Json = self._request("POST", f"/jobs/{_seg(job)}/bookmark/reset", json=body)
        return result

    def set_bookmark_now(self, job: str) -> Json:
        result: Json = self._request("POST", f"/jobs/{_seg(job)}/bookmark/set", json={"now": True})
        return result

    # --- data catalog ---------------------------------------------------------------------

    def catalog_create(self, path: str, body: Json) -> Json:
        """POST to a catalog collection (``databases``, ``databases/D/tables``, …)."""
        result: Json = self._request("POST", f"/catalog/{path}", json=body)
        return result

    def catalog_put(self, path: str, body: Json) -> Json:
        result: Json = self._request("PUT", f"/catalog/{path}", json=body)
        return result

    def catalog_get(self, path: str) -> Json:
        result: Json = self._request("GET", f"/catalog/{path}")
        return result

    def catalog_page(self, path: str, limit: int, next_token: str | None = None) -> Json:
        params = {"limit": limit, "next_token": next_token}
        result: Json = self._request("GET", f"/catalog/{path}", params=params)
        return result

    def catalog_delete(self, path: str) -> None:
        self._request("DELETE", f"/catalog/{path}")

    def catalog_infer(self, body: Json) -> Json:
        result: Json = self._request("POST", "/catalog/infer", json=body)
        return result

    def generate_job(self, body: Json) -> Json:
        result: Json = self._request("POST", "/jobs/generate", json=body)
        return result

    def call(self, method: str, root: str, *segments: str, body: Json | None = None,
             params: Json | None = None) -> Any:  # fmt: skip
        """A call under ``/<root>`` (``roles``, ``keys``), each segment quoted."""
        path = "".join(f"/{_seg(s)}" for s in segments)
        return self._request(method, f"/{root}{path}", json=body, params=params)

    # --- interactive sessions -------------------------------------------------------------

    def session_request(self, method: str, *segments: str | int, body: Json | None = None,
                        params: Json | None = None) -> Any:  # fmt: skip
        """A call under ``/sessions``, e.g. ``("POST", session_id, "stop")``."""
        path = "".join(f"/{_seg(str(s))}" for s in segments)
        return self._request(method, f"/sessions{path}", json=body, params=params)

    # --- events ---------------------------------------------------------------------------

    def list_events_page(
        self, limit: int, next_token: str | None = None, *, pending: bool | None = None
    ) -> Json:
        params = {
            "limit": limit,
            "next_token": next_token,
            "pending": None if pending is None else str(pending).lower(),
        }
        result: Json = self._request("GET", "/events", params=params)
        return result


def catalog_path(*segments: str) -> str:
    """``databases/<db>/tables/<t>`` with each name quoted as one path segment."""
    return "/".join(_seg(s) if i % 2 else s for i, s in enumerate(segments))


def _seg(value: str) -> str:
    """A path segment: a run id typed wrong must not turn into another route."""
    return quote(value, safe="")


def collect(fetch: PageFetcher, key: str, limit: int) -> list[Json]:
    """Follow next_token until ``limit`` items or the last page."""
    return list(iter_pages(fetch, key, limit))


def iter_pages(fetch: PageFetcher, key: str, limit: int) -> Iterator[Json]:
    token: str | None = None
    remaining = limit
    while remaining > 0:
        page = fetch(min(remaining, MAX_PAGE), token)
        items: list[Json] = page.get(key, [])
        yield from items[:remaining]
        remaining -= len(items)
        # A page may be empty and still have a next one (a token limited to jobs sees only
        # theirs): follow the token, unless the daemon gives the same one again.
        token, previous = page.get("next_token"), token
        if not token or token == previous:
            return
