"""How the connector talks to Akeneo: one token, one concurrency limit, one retry mechanism, one breaker.

Why it looks like this:
- Akeneo SaaS allows about 4 parallel calls per connection and answers 429 above it, so every call goes
  through one semaphore (`max_concurrency`) and 429/5xx/timeouts are retried by the shared `RetryPolicy`
  (tenacity; the server's Retry-After wins).
- A total outage must end quickly and be called an outage: every exchange goes through a `CircuitBreaker`,
  and 5xx/transport failures end as `AkeneoUnavailable` ("Akeneo unavailable (503 on N of N calls since
  HH:MM UTC)"), never as refused credentials. Only a 4xx from the token URL is `AkeneoAuthError`.
- A collection PATCH is idempotent, so retrying a whole batch after a 429/5xx/timeout is safe. Its per-line
  statuses are data, returned as `LineResult`s.
- Calls are counted per kind so reports and benchmarks can say what a run cost.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
from tenacity import RetryCallState

from icecat_akeneo.akeneo.api_mode import checked_api_mode
from icecat_akeneo.akeneo.auth import TOKEN_PATH, TokenProvider
from icecat_akeneo.akeneo.errors import AkeneoAuthError, AkeneoError, AkeneoUnavailable, message_of
from icecat_akeneo.akeneo.lines import LineResult, encode_line, encode_ndjson, parse_line_results
from icecat_akeneo.akeneo.pagination import LinkPaginator, page_items
from icecat_akeneo.api_base import ApiBase
from icecat_akeneo.breaker import BreakerSettings
from icecat_akeneo.redaction import redact
from icecat_akeneo.retry import Attempted, RetryPolicy, Sleep, call_with_retries, describe_retry

log = logging.getLogger(__name__)

COLLECTION_CONTENT_TYPE = "application/vnd.akeneo.collection+json"
MAX_COLLECTION_LINES = 100
MAX_PAGE_SIZE = 100
MAX_PARALLEL_CALLS_PER_CONNECTION = 4
"""Akeneo SaaS allows up to 4 concurrent API calls per PIM connection (10 per instance); beyond that it
answers 429: https://api.akeneo.com/documentation/limitations.html ("Maximum Concurrent API Calls")."""


@dataclass(frozen=True)
class AkeneoSettings:
    """Where and how to reach one Akeneo. Secrets are kept out of `repr` so settings can be logged."""

    base_url: str
    client_id: str
    secret: str = field(repr=False)
    username: str
    password: str = field(repr=False)
    timeout: float = 30.0
    max_concurrency: int = 4
    page_size: int = 100
    retry: RetryPolicy = RetryPolicy()
    breaker: BreakerSettings = BreakerSettings()
    api_mode: str = "auto"
    """`uuid`, `identifier` or `auto` (told at each run's start: `api_mode.py`)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "api_mode", checked_api_mode(self.api_mode))
        if not 1 <= self.page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"Akeneo page_size must be between 1 and {MAX_PAGE_SIZE}, got {self.page_size}")
        if self.max_concurrency < 1:
            raise ValueError(f"Akeneo max_concurrency must be at least 1, got {self.max_concurrency}")


class AkeneoTransport(ApiBase):
    """The plumbing under `AkeneoClient`; use the client."""

    def __init__(
        self,
        settings: AkeneoSettings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Sleep = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        http = httpx.AsyncClient(
            base_url=settings.base_url,
            timeout=settings.timeout,
            transport=transport,
            limits=httpx.Limits(max_connections=settings.max_concurrency * 2),
        )
        super().__init__("Akeneo", http, settings.breaker, AkeneoUnavailable, sleep=sleep, clock=clock)
        self.settings = settings
        self._semaphore = asyncio.Semaphore(settings.max_concurrency)
        self.server_clock: dt.datetime | None = None  # Akeneo's clock (`Date`, 1 s) at its latest answer
        self._secrets = (settings.secret, settings.password)
        self._tokens = TokenProvider(
            self._send_grant,
            settings.username,
            settings.password,
            describe=f"client id {settings.client_id!r}, user {settings.username!r} at {settings.base_url}",
            clock=clock,
        )
        self.requests: Counter[str] = Counter()
        self.retries: Counter[str] = Counter()
        self.writes = 0  # calls that change Akeneo (not GET, not the token)

    def stats(self) -> dict[str, Any]:
        """Requests and retries per kind of call, plus token grants: what this client cost the PIM."""
        return {
            "requests": dict(sorted(self.requests.items())),
            "requests_total": sum(self.requests.values()),
            "writes_total": self.writes,
            "retries": dict(sorted(self.retries.items())),
            "retries_total": sum(self.retries.values()),
            "token_grants": dict(self._tokens.grants),
        }

    async def _send_grant(self, body: dict[str, str]) -> httpx.Response:
        auth = httpx.BasicAuth(self.settings.client_id, self.settings.secret)
        reply = await self._send("token", "POST", TOKEN_PATH, authenticated=False, json=body, auth=auth)
        if reply.response.status_code >= 500:  # an outage, not refused credentials
            raise self.breaker.unavailable(
                f"POST {TOKEN_PATH} answered HTTP {reply.response.status_code}: {self._message(reply.response)}"
            )
        return reply.response

    async def _send(
        self,
        kind: str,
        method: str,
        url: str,
        *,
        authenticated: bool = True,
        headers: dict[str, str] | None = None,
        retry: RetryPolicy | None = None,
        **request: Any,
    ) -> Attempted:
        """One logical call: retried on 429/5xx/transport errors (by `retry`, default the settings'),
        re-authenticated once on a 401.

        Raises `AkeneoUnavailable` when transport errors outlast the retries or the breaker is open."""
        path = httpx.URL(url).path

        def on_retry(state: RetryCallState, delay: float) -> None:
            self.retries[kind] += 1
            cause = describe_retry(state)
            log.warning("Akeneo %s %s: %s; retry %d in %.2fs", method, path, cause, state.attempt_number, delay)

        async def attempt() -> httpx.Response:
            self.requests[kind] += 1
            if method != "GET" and authenticated:
                self.writes += 1
            if not authenticated:
                return await self._request(method, url, headers, request)
            token = await self._tokens.access_token()
            response = await self._request(method, url, headers, request, token)
            if response.status_code != 401:
                return response
            await self._tokens.renew_after_rejection(token)
            response = await self._request(method, url, headers, request, await self._tokens.access_token())
            if response.status_code == 401:
                raise AkeneoAuthError(
                    f"Akeneo {method} {path} answered 401 even with a fresh token: {self._message(response)}", 401
                )
            return response

        policy = retry or self.settings.retry
        try:
            return await call_with_retries(policy, attempt, sleep=self.sleep, on_retry=on_retry)
        except httpx.TransportError as exc:
            raise self.breaker.unavailable(
                f"{method} {path} failed after {policy.max_attempts} attempts: "
                f"{type(exc).__name__}: {redact(str(exc), self._secrets)}"
            ) from exc

    async def _request(
        self, method: str, url: str, headers: dict[str, str] | None, request: dict[str, Any], token: str = ""
    ) -> httpx.Response:
        """One HTTP exchange, through the concurrency limit and the circuit breaker."""
        all_headers = {**(headers or {}), **({"Authorization": f"Bearer {token}"} if token else {})}
        with self.breaker.guard() as outcome:
            async with self._semaphore:
                response = await self._http.request(method, url, headers=all_headers, **request)
            outcome.status(response.status_code)
        self._note_clock(response.headers.get("date"))
        return response

    def _note_clock(self, date: str | None) -> None:
        """Keep Akeneo's own clock from its `Date` header: a product's `updated` is compared with it, never
        with ours (`unchanged.settled`)."""
        try:
            moment = parsedate_to_datetime(date) if date else None
        except (TypeError, ValueError):
            return
        if moment is not None and (self.server_clock is None or moment > self.server_clock):
            self.server_clock = moment

    def _message(self, response: httpx.Response) -> str:
        return message_of(response, self._secrets)

    async def _get_json(self, kind: str, url: str, params: dict[str, Any] | None = None) -> Any:
        reply = await self._send(kind, "GET", url, params=params)
        self._raise_unless_success(reply.response, "GET")
        return reply.response.json()

    async def _iter_pages(
        self, kind: str, path: str, params: dict[str, Any] | None
    ) -> AsyncIterator[list[dict]]:
        paginator = LinkPaginator()
        url: str | None = path
        while url is not None:
            page = await self._get_json(kind, url, params if url == path else None)
            items = page_items(page)
            if items:
                yield items
            url = paginator.next_url(page)

    async def _list(self, kind: str, path: str, params: dict[str, Any] | None = None) -> list[dict]:
        return [item async for page in self._iter_pages(kind, path, params) for item in page]

    # -- writes ------------------------------------------------------------------------------------------

    async def _patch_collection(
        self, kind: str, path: str, lines: list[dict[str, Any]], key_field: str = "identifier"
    ) -> list[LineResult]:
        """One collection PATCH; each answer line is checked against the sent line by its number and its
        `key_field` (`lines.parse_line_results`)."""
        if len(lines) > MAX_COLLECTION_LINES:
            raise ValueError(
                f"a collection PATCH takes at most {MAX_COLLECTION_LINES} lines (Akeneo answers 413 above); "
                f"got {len(lines)}: split the batch"
            )
        if not lines:
            return []
        reply = await self._send(
            kind,
            "PATCH",
            path,
            content=encode_ndjson(lines),
            headers={"Content-Type": COLLECTION_CONTENT_TYPE},
        )
        self._raise_unless_success(reply.response, "PATCH")
        return parse_line_results(reply.response.text, lines, reply.attempts, key_field=key_field)

    async def _write_one(
        self, kind: str, method: str, path: str, body: dict[str, Any], key: str | None
    ) -> LineResult:
        """A single-resource write, answered like one line of a collection: its status is data."""
        reply = await self._send(
            kind,
            method,
            path,
            content=encode_line(body).encode("utf-8"),
            headers={"Content-Type": "application/json"},
        )
        response = reply.response
        if response.is_success:
            return LineResult(1, key, response.status_code, attempts=reply.attempts, sent=body)
        try:
            error = response.json()
        except ValueError:
            error = {}
        errors = error.get("errors") if isinstance(error, dict) else None
        return LineResult(
            1,
            key,
            response.status_code,
            self._message(response),
            list(errors or []),
            attempts=reply.attempts,
            sent=body,
        )


    def _raise_unless_success(self, response: httpx.Response, method: str) -> None:
        if response.is_success:
            return
        path, status = response.request.url.path, response.status_code
        described = f"{method} {path} answered HTTP {status}: {self._message(response)}"
        if response.status_code >= 500:
            raise self.breaker.unavailable(described)
        raise AkeneoError(f"Akeneo {described}", response.status_code)
