"""What the Akeneo and Icecat transports have in common: one httpx client, one breaker, an injectable sleep.

Both are used as `async with Client(settings) as client:`; tests pass an httpx transport (MockTransport or
ASGITransport), a `sleep` that does not wait and a `clock` for the breaker's cool-down.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any, Self

import httpx

from icecat_akeneo.breaker import BreakerSettings, CircuitBreaker
from icecat_akeneo.retry import Sleep


class ApiBase:
    def __init__(
        self,
        api: str,
        http: httpx.AsyncClient,
        breaker: BreakerSettings,
        error: Callable[[str], Exception],
        *,
        sleep: Sleep = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._http = http
        self.sleep = sleep
        self.breaker = CircuitBreaker(api, breaker, error=error, clock=clock)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()
