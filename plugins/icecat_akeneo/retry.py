"""One retry policy for both APIs: what is worth retrying, and how long to wait.

A 422 is data, not a failure, and is never retried; 429, 5xx, timeouts and dropped connections are.
The server's Retry-After wins over our own back-off (plus a little jitter, so parallel workers told the same
Retry-After do not all come back at the same instant); otherwise exponential back-off with full jitter.
"""
from __future__ import annotations

import email.utils
import random
import time
from dataclasses import dataclass

RETRYABLE_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})


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
