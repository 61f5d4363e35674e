"""Fewer garbage-collector passes while a step churns through short-lived objects.

Why: each Icecat answer decodes into thousands of dicts and lists that reference counting frees as soon as
the answer is normalized, yet their allocation keeps triggering CPython's cyclic collector, and every
oldest-generation pass walks the whole heap of the process (pyarrow, the mapping, the modules: ~0.1 s each).
Measured on the enrich step (300 products, EN/DE/FR): 25 % of its CPU was collection; every step runs
inside it (`pipeline.run_step`). Inside `fewer_gc_passes` what already exists is frozen (never walked again)
and the youngest generation is collected per 20,000 allocations instead of 700; cyclic garbage is still
collected, only less often, so memory stays bounded.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

YOUNG_THRESHOLD = 20_000


@contextmanager
def fewer_gc_passes() -> Iterator[None]:
    """Freeze the heap as it is and collect the young generation less often; restored on exit."""
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()
