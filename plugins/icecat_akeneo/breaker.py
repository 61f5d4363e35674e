"""Circuit breaker for one API, shared by the Akeneo and Icecat clients (and media downloads).

Why: retries make each call survive a blip, but during a total outage they make every call spend its whole
budget (~8 s), so 500 media rows took ~49 minutes to give up. After `failure_threshold` consecutive
transport/5xx failures the breaker opens: nothing is sent, every call fails at once with
"<API> unavailable (503 on N of N calls since HH:MM UTC)". After `cooldown_s` one call is let through as a
probe (half-open): its success closes the breaker, its failure opens it for another cool-down. Any answer
below 500 (a 422, a 429) proves the API is up and resets the count.

"Unavailable" is its own exception class (`ApiUnavailable`), distinct from refused credentials, so callers
can tell an outage (transient: retry the task later) from an auth problem (fix the Connection).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx

CLOSED, OPEN, HALF_OPEN = "closed", "open", "half_open"
NOT_SENDING = "not sending while the API is down"


class ApiUnavailable(RuntimeError):
    """An API is down (5xx, timeouts, refused connections), as opposed to refusing our credentials."""


@dataclass(frozen=True)
class BreakerSettings:
    failure_threshold: int = 10
    cooldown_s: float = 30.0

    def __post_init__(self) -> None:
        if self.failure_threshold < 1 or self.cooldown_s < 0:
            raise ValueError(
                f"circuit breaker needs failure_threshold >= 1 and cooldown_s >= 0, got {self}"
            )


class _Outcome:
    """What the guarded call answered; `status()` is called with the HTTP status when there is one."""

    def __init__(self) -> None:
        self.code: int | None = None

    def status(self, code: int) -> None:
        self.code = code


class CircuitBreaker:
    def __init__(
        self,
        api: str,
        settings: BreakerSettings | None = None,
        *,
        error: Callable[[str], Exception] = ApiUnavailable,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.api = api
        self.settings = settings or BreakerSettings()
        self._error = error
        self._clock = clock
        self._wall_clock = wall_clock
        self.state = CLOSED
        self._opened_at = 0.0
        self._probing = False
        self._streak: Counter[str] = Counter()
        self._streak_since: float | None = None
        self.rejected = 0  # calls failed fast without being sent

    @property
    def consecutive_failures(self) -> int:
        return sum(self._streak.values())

    def describe(self) -> str:
        """"Akeneo unavailable (503 on 10 of 10 calls since 20:31 UTC)"."""
        failures = self.consecutive_failures
        if not failures or self._streak_since is None:
            return f"{self.api} unavailable"
        causes = "/".join(cause for cause, _ in self._streak.most_common())
        since = dt.datetime.fromtimestamp(self._streak_since, dt.UTC).strftime("%H:%M")
        return f"{self.api} unavailable ({causes} on {failures} of {failures} calls since {since} UTC)"

    def is_open(self) -> bool:
        """Whether a call now would be refused (open, cool-down not over): lets callers skip preparing one."""
        return self.state == OPEN and self._clock() - self._opened_at < self.settings.cooldown_s

    def unavailable(self, detail: str = "") -> Exception:
        """The error to raise for an outage, with the breaker's count and an optional detail."""
        return self._error(f"{self.describe()}: {detail}" if detail else self.describe())

    @contextlib.contextmanager
    def guard(self) -> Iterator[_Outcome]:
        """Around one HTTP attempt: refuses to send while open; judges the attempt by its outcome."""
        self._admit()
        outcome = _Outcome()
        try:
            yield outcome
        except httpx.TransportError as exc:
            self.record_failure(type(exc).__name__)
            raise
        except BaseException:
            self._probing = False  # cancelled or a bug: says nothing about the API
            raise
        if outcome.code is not None and outcome.code >= 500:
            self.record_failure(str(outcome.code))
        else:
            self.record_success()

    def record_success(self) -> None:
        self.state, self._probing = CLOSED, False
        self._streak.clear()
        self._streak_since = None

    def record_failure(self, cause: str) -> None:
        if not self._streak:
            self._streak_since = self._wall_clock()
        self._streak[cause] += 1
        if self.state == HALF_OPEN or self.consecutive_failures >= self.settings.failure_threshold:
            self.state, self._opened_at, self._probing = OPEN, self._clock(), False

    def _admit(self) -> None:
        if self.state == OPEN and self._clock() - self._opened_at >= self.settings.cooldown_s:
            self.state = HALF_OPEN
        if self.state == CLOSED or (self.state == HALF_OPEN and not self._probing):
            self._probing = self.state == HALF_OPEN
            return
        self.rejected += 1
        raise self.unavailable(NOT_SENDING)
