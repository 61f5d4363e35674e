"""Progress lines in a step's task log: done / total, rate, ETA and the step's own counters, at a steady cadence.

Without them an Airflow task log shows the task's start and, minutes or hours later, its return value: nobody
can tell whether enrich on a 100k-product client is at 5 % or stuck. A step creates one `Progress`, calls
`advance()` in its loop (cheap: it only compares the clock) and `finish()` once, which logs the step's one-line
summary. A line is logged every `every_s` seconds of the clock, or every `every_n` items when given, never
more often than each item.
"""
from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Mapping

log = logging.getLogger("icecat_akeneo.progress")

DEFAULT_EVERY_S = 10.0
Live = Callable[[], Mapping[str, object]]


def duration_text(seconds: float) -> str:
    """`42s`, `3m05s`, `2h07m`: short enough for a log line, exact enough for an ETA."""
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


class Progress:
    """Progress of one step over `total` items (None when unknown, e.g. pages still being read).

    `counters` passed to `advance` are added up (refused=1); `live` returns values read at each line
    (the Icecat client's 429s and current concurrency), shown after the counters.
    """

    def __init__(self, step: str, total: int | None = None, *, unit: str = "products",
                 every_s: float = DEFAULT_EVERY_S, every_n: int | None = None, live: Live | None = None,
                 clock: Callable[[], float] = time.monotonic, logger: logging.Logger = log) -> None:
        self.step, self.total, self.unit = step, total, unit
        self.every_s, self.every_n, self.live = every_s, every_n, live
        self.clock, self.logger = clock, logger
        self.done = 0
        self.counters: Counter[str] = Counter()
        self.started = self._last_at = clock()
        self._last_done = 0

    def advance(self, items: int = 1, **counters: int) -> None:
        """`items` more done; logs a progress line when the cadence is due."""
        self.done += items
        self.counters.update(counters)
        now = self.clock()
        due_by_count = self.every_n is not None and self.done - self._last_done >= self.every_n
        if due_by_count or now - self._last_at >= self.every_s:
            self._last_at, self._last_done = now, self.done
            self.logger.info("%s: %s", self.step, self.line(now))

    def rate(self, now: float | None = None) -> float:
        """Items per second since the start (0 before any time has passed)."""
        elapsed = (self.clock() if now is None else now) - self.started
        return self.done / elapsed if elapsed > 0 else 0.0

    def eta_s(self, now: float | None = None) -> float | None:
        """Seconds left at the average rate so far; None without a total or a rate yet."""
        rate = self.rate(now)
        if self.total is None or rate <= 0:
            return None
        return max(0, self.total - self.done) / rate

    def line(self, now: float | None = None) -> str:
        """`1200/10000 products (12%), 85.3/s, ETA 1m43s; found=1100, 429s=3, concurrency=8`."""
        now = self.clock() if now is None else now
        done = f"{self.done}/{self.total} {self.unit}" if self.total is not None else f"{self.done} {self.unit}"
        if self.total:
            done += f" ({100 * self.done / self.total:.0f}%)"
        parts = [done, f"{self.rate(now):.1f}/s"]
        eta = self.eta_s(now)
        if eta is not None:
            parts.append(f"ETA {duration_text(eta)}")
        return ", ".join(parts) + self._counters_text()

    def _counters_text(self, **more: object) -> str:
        shown = {**self.counters, **(self.live() if self.live else {}), **more}
        return "; " + ", ".join(f"{key}={value}" for key, value in shown.items()) if shown else ""

    def finish(self, **counters: object) -> str:
        """Log and return the step's one-line summary: items, time taken, counters (and `counters` given here)."""
        now = self.clock()
        summary = (f"{self.step} done: {self.done} {self.unit} in {duration_text(now - self.started)} "
                   f"({self.rate(now):.1f}/s)" + self._counters_text(**counters))
        self.logger.info("%s", summary)
        return summary
