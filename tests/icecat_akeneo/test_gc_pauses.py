"""`fewer_gc_passes` (the collector setting every step runs under) still frees cyclic garbage inside, and gives the
process its collector back as it was."""

from __future__ import annotations

import gc
import weakref

from icecat_akeneo.gc_pauses import YOUNG_THRESHOLD, fewer_gc_passes


class _Node:
    def __init__(self) -> None:
        self.me = self


def test_cyclic_garbage_made_inside_is_still_collected_without_an_explicit_collect() -> None:
    with fewer_gc_passes():
        cycle = _Node()
        gone = weakref.ref(cycle)
        del cycle
        kept = [[] for _ in range(3 * YOUNG_THRESHOLD)]  # allocations that trigger the young generation
        assert gone() is None
    assert len(kept) == 3 * YOUNG_THRESHOLD


def test_the_collector_is_as_before_afterwards_also_when_the_block_fails() -> None:
    before = (gc.get_threshold(), gc.get_freeze_count())
    try:
        with fewer_gc_passes():
            assert gc.get_threshold()[0] == YOUNG_THRESHOLD and gc.get_freeze_count() > 0
            raise RuntimeError("a failing enrich")
    except RuntimeError:
        pass
    assert (gc.get_threshold(), gc.get_freeze_count()) == before
