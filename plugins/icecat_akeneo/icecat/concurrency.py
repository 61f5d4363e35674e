"""Adaptive (AIMD) concurrency window for calls to one Icecat account.

Icecat throttles an account above a handful of parallel calls, and the limit is not published. A fixed pool
either wastes time (too small) or burns retries on 429s (too large), so the window behaves like TCP's
congestion window: it starts small and doubles per round of successful calls ("slow start") until the first
429, then halves on a 429 (once per round of requests, not once per 429 of the same burst) and grows back by
about one slot per window of successful calls; it never exceeds `max_concurrency`. Slow start matters: a
cap of 64 against an account limited to 10 would otherwise open with a burst of 54 throttled calls, each
then waiting out Retry-After.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator


class AdaptiveLimiter:
    def __init__(self, max_concurrency: int, initial: int = 4) -> None:
        if max_concurrency < 1:
            raise ValueError(f"max_concurrency must be at least 1, got {max_concurrency}")
        self.max_concurrency = max_concurrency
        self.window = float(min(initial, max_concurrency))
        self.slow_start = True
        self.in_flight = 0
        self.decreases = 0
        self._epoch = 0
        self._changed = asyncio.Condition()

    @property
    def limit(self) -> int:
        return max(1, int(self.window))

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[int]:
        """Hold one call slot; yields the congestion epoch the call started in (for `throttled`)."""
        async with self._changed:
            await self._changed.wait_for(lambda: self.in_flight < self.limit)
            self.in_flight += 1
            epoch = self._epoch
        try:
            yield epoch
        finally:
            async with self._changed:
                self.in_flight -= 1
                self._changed.notify_all()

    def succeeded(self) -> None:
        """+1 per success in slow start (doubling per round), else about +1 per window of successes."""
        growth = 1.0 if self.slow_start else 1.0 / self.window
        self.window = min(float(self.max_concurrency), self.window + growth)

    def throttled(self, epoch: int) -> None:
        """Multiplicative decrease, once per epoch: the other 429s of the same burst say nothing new."""
        if epoch == self._epoch:
            self.slow_start = False
            self.window = max(1.0, self.window / 2)
            self._epoch += 1
            self.decreases += 1
