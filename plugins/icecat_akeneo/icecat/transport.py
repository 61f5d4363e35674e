"""How the connector talks to Icecat: one AIMD window, one retry mechanism, one circuit breaker, redaction.

Every call goes through the adaptive window (`concurrency.py`), the shared retry mechanism (`retry.py`,
Retry-After honoured, `sleep` injectable) and the Icecat circuit breaker, so an outage ends fast as
"Icecat unavailable (...)". Icecat's error bodies may echo the request (with the app_key of the query
string), so every body or URL that goes into a message is redacted first.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from icecat_akeneo.api_base import ApiBase
from icecat_akeneo.breaker import ApiUnavailable, BreakerSettings
from icecat_akeneo.icecat.cache import IcecatCache
from icecat_akeneo.icecat.concurrency import AdaptiveLimiter
from icecat_akeneo.icecat.connections import spread_transport
from icecat_akeneo.icecat.daily_index import DailyIndex
from icecat_akeneo.icecat.record import EVERYTHING, RecordScope
from icecat_akeneo.icecat.record_json import normalizer_key
from icecat_akeneo.media_policy import MediaPolicy
from icecat_akeneo.redaction import QueryKeyFilter, redact
from icecat_akeneo.retry import RetryPolicy, Sleep, call_with_retries

logging.getLogger("httpx").addFilter(QueryKeyFilter("app_key"))  # httpx logs every URL at INFO


@dataclass(frozen=True)
class IcecatSettings:
    base_url: str
    username: str
    app_key: str | None = field(default=None, repr=False)
    api_token: str | None = field(default=None, repr=False)
    content_token: str | None = field(default=None, repr=False)
    timeout: float = 30.0
    max_concurrency: int = 8
    retry: RetryPolicy = RetryPolicy()
    breaker: BreakerSettings = BreakerSettings()
    cache_dir: str | None = None
    data_creation_url: str | None = None
    index_base_url: str | None = None  # index files live on data.icecat.biz; defaults to base_url
    media_policy: MediaPolicy = MediaPolicy()  # where media may be downloaded from (Connection's media_* extras)
    record_scope: RecordScope = EVERYTHING  # what records keep (a run: what its mapping reads)

    @property
    def secrets(self) -> tuple[str | None, ...]:
        return (self.app_key, self.api_token, self.content_token)


@dataclass
class ClientCounters:
    requests: int = 0  # HTTP calls to the product API (every attempt)
    retries: int = 0
    throttled: int = 0  # 429 answers
    cache_hits: int = 0  # products served entirely from the cache
    index_requests: int = 0


class IcecatUnavailable(ApiUnavailable):
    """Icecat is down (breaker open, transport errors outlasting the retries) or a non-lookup call failed."""


class IcecatTransport(ApiBase):
    """The plumbing under `IcecatClient`; use the client."""

    def __init__(
        self,
        settings: IcecatSettings,
        transport: httpx.AsyncBaseTransport | None = None,
        *,
        sleep: Sleep = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        headers = {"Accept": "application/json"}
        if settings.api_token:
            headers["Api-Token"] = settings.api_token
        if settings.content_token:
            headers["Content-Token"] = settings.content_token
        http = httpx.AsyncClient(
            base_url=settings.base_url.rstrip("/"),
            headers=headers,
            timeout=settings.timeout,
            transport=transport or spread_transport(settings.max_concurrency),
            limits=httpx.Limits(max_connections=settings.max_concurrency + 2),
        )
        super().__init__("Icecat", http, settings.breaker, IcecatUnavailable, sleep=sleep, clock=clock)
        self.settings = settings
        self.counters = ClientCounters()
        self.limiter = AdaptiveLimiter(settings.max_concurrency)
        self.cache = (IcecatCache(settings.cache_dir, normalizer_key(settings.record_scope))
                      if settings.cache_dir else None)
        self._indexes: dict[str, DailyIndex | None] = {}
        self._index_lock = asyncio.Lock()

    async def aclose(self) -> None:
        await super().aclose()
        if self.cache:
            self.cache.close()

    # --- HTTP with retries, the adaptive window and the breaker ------------------------------------------
    async def _send(
        self, method: str, url: str, *, count_as_product: bool = True, **kwargs: Any
    ) -> httpx.Response:
        """The final response; IcecatUnavailable when the breaker is open or transport errors outlast retries."""

        async def attempt() -> httpx.Response:
            async with self.limiter.slot() as epoch:
                if count_as_product:
                    self.counters.requests += 1
                with self.breaker.guard() as outcome:
                    response = await self._http.request(method, url, **kwargs)
                    outcome.status(response.status_code)
            if response.status_code == 429:
                self.counters.throttled += 1
                self.limiter.throttled(epoch)
            elif response.status_code < 500:
                self.limiter.succeeded()
            return response

        def count_retry(*_: object) -> None:
            self.counters.retries += 1

        try:
            reply = await call_with_retries(self.settings.retry, attempt, sleep=self.sleep, on_retry=count_retry)
        except httpx.TransportError as exc:
            raise self.breaker.unavailable(
                f"{self._redact(url)}: {type(exc).__name__}: {self._redact(str(exc))} "
                f"(gave up after {self.settings.retry.max_attempts} attempts)"
            ) from exc
        return reply.response

    def live_stats(self) -> dict[str, int]:
        """What a progress line shows of the client while it works: calls, 429s, retries, current concurrency."""
        counters = self.counters
        return {"requests": counters.requests, "429s": counters.throttled, "retries": counters.retries,
                "cache_hits": counters.cache_hits, "concurrency": self.limiter.limit}

    def _redact(self, text: str) -> str:
        return redact(text, self.settings.secrets)

    def _auth_params(self, lang: str) -> dict[str, str]:
        """With an api_token the account is proven by the Api-Token header, so the app_key never travels in
        a query string (which servers log and error pages echo)."""
        params = {"lang": lang.upper(), "shopname": self.settings.username}
        if self.settings.app_key and not self.settings.api_token:
            params["app_key"] = self.settings.app_key
        return params
