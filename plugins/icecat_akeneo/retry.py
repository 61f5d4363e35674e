"""One retry mechanism for every HTTP call of the connector (Akeneo, Icecat, media downloads), on tenacity.

What is worth retrying: 429, 5xx, timeouts and dropped connections; a 422 is data, not a failure, and is
never retried. How long to wait: the server's Retry-After wins over our own back-off (plus a little jitter,
so parallel workers told the same Retry-After do not all come back at the same instant); otherwise
exponential back-off with full jitter. `sleep` is injectable so tests never wait for real.

Retries alone make a total outage slow: every call spends its whole budget. So every HTTP exchange also
goes through the API's `CircuitBreaker` (breaker.py): after K consecutive transport/5xx failures it stops
sending and the remaining work fails fast with "<API> unavailable (...)".
"""

from __future__ import annotations

import asyncio
import email.utils
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, retry_if_result, stop_after_attempt

RETRYABLE_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})

Sleep = Callable[[float], Awaitable[None]]
OnRetry = Callable[[RetryCallState, float], None]


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 6
    base_delay: float = 0.5
    max_delay: float = 30.0

    def should_retry(self, attempt: int, status_code: int | None) -> bool:
        """`status_code=None` means a transport error (timeout, reset): retryable."""
        if attempt >= self.max_attempts:
            return False
        return status_code is None or status_code in RETRYABLE_STATUS

    def delay(self, attempt: int, retry_after: str | None = None, rng: random.Random | None = None) -> float:
        """Seconds to wait before attempt `attempt + 1` (attempts count from 1)."""
        rng = rng or random
        server_delay = parse_retry_after(retry_after)
        if server_delay is not None:
            return min(server_delay + rng.uniform(0, self.base_delay), self.max_delay)
        ceiling = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        return rng.uniform(0, ceiling)

    def retrying(self, *, sleep: Sleep = asyncio.sleep, on_retry: OnRetry | None = None) -> AsyncRetrying:
        """tenacity's AsyncRetrying for calls that return an `httpx.Response` or raise a TransportError.

        When the budget is spent the last outcome is handed back as it was (the final response, or the
        transport error raised again), so callers decide what a final 503 means for them."""

        def wait(state: RetryCallState) -> float:
            return self.delay(state.attempt_number, _retry_after(state))

        def before_sleep(state: RetryCallState) -> None:
            if on_retry is not None:
                on_retry(state, state.upcoming_sleep)

        return AsyncRetrying(
            stop=stop_after_attempt(self.max_attempts),
            wait=wait,
            retry=retry_if_exception_type(httpx.TransportError) | retry_if_result(_is_retryable_response),
            sleep=sleep,
            before_sleep=before_sleep,
            retry_error_callback=lambda state: state.outcome.result(),  # type: ignore[union-attr]
        )


@dataclass(frozen=True)
class Attempted:
    """The final response of one logical call and how many HTTP attempts it took."""

    response: httpx.Response
    attempts: int


async def call_with_retries(
    policy: RetryPolicy,
    send: Callable[[], Awaitable[httpx.Response]],
    *,
    sleep: Sleep = asyncio.sleep,
    on_retry: OnRetry | None = None,
) -> Attempted:
    """`send` retried by `policy`; raises the last httpx.TransportError when transport failures outlast the
    budget. `send` guards its HTTP exchange with the API's circuit breaker, whose unavailable error is never
    retried."""
    attempts = 0

    async def attempt() -> httpx.Response:
        nonlocal attempts
        attempts += 1
        return await send()

    response = await policy.retrying(sleep=sleep, on_retry=on_retry)(attempt)
    return Attempted(response, attempts)


def describe_retry(state: RetryCallState) -> str:
    """"HTTP 503" or "ReadTimeout: ..." for the outcome that is about to be retried (for logs)."""
    outcome = state.outcome
    if outcome is None:
        return "?"
    if outcome.failed:
        error = outcome.exception()
        return f"{type(error).__name__}: {error}"
    return f"HTTP {outcome.result().status_code}"


def _is_retryable_response(response: object) -> bool:
    return isinstance(response, httpx.Response) and response.status_code in RETRYABLE_STATUS


def _retry_after(state: RetryCallState) -> str | None:
    outcome = state.outcome
    if outcome is None or outcome.failed:
        return None
    response = outcome.result()
    return response.headers.get("Retry-After") if isinstance(response, httpx.Response) else None


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Retry-After is either delta-seconds or an HTTP date; anything else is ignored."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (now if now is not None else time.time()))
