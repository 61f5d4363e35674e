"""The asset watcher's trigger: polls Akeneo every `poll_seconds` and emits the queued product events.

Runs in the triggerer, one instance per client for as long as `icecat_sync_new__<client>` exists. Each
loop turn: poll Akeneo when `poll_seconds` have passed (webhook-fed queues are looked at every
`QUEUE_CHECK_S`, which costs no Akeneo request), then emit the queue's oldest events, at most `batch` per
asset event, and mark them emitted. An Akeneo outage or a bad answer is logged and retried at the next turn:
the trigger never dies of it (a dead watcher would silently stop event runs).
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

from airflow.triggers.base import BaseEventTrigger, TriggerEvent

log = logging.getLogger(__name__)
QUEUE_CHECK_S = 5.0


class AkeneoProductEventTrigger(BaseEventTrigger):
    """kwargs are the trigger's identity (the asset watcher is matched by them): keep them stable."""

    def __init__(self, *, client: str, mapping_path: str, poll_seconds: int, batch: int) -> None:
        super().__init__()
        self.client, self.mapping_path = client, mapping_path
        self.poll_seconds, self.batch = int(poll_seconds), int(batch)

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (f"{type(self).__module__}.{type(self).__qualname__}",
                {"client": self.client, "mapping_path": self.mapping_path,
                 "poll_seconds": self.poll_seconds, "batch": self.batch})

    async def run(self) -> AsyncIterator[TriggerEvent]:
        from icecat_akeneo.events.watch import Watch

        watch = await asyncio.to_thread(Watch.open, self.client, self.mapping_path)
        next_poll = 0.0
        try:
            while True:
                if time.monotonic() >= next_poll:
                    next_poll = time.monotonic() + self.poll_seconds
                    await watch.poll()
                while batch := await asyncio.to_thread(watch.store.unemitted, self.batch):
                    yield TriggerEvent(watch.payload(batch))
                    await asyncio.to_thread(watch.store.mark_emitted, [event.id for event in batch])
                await asyncio.sleep(min(QUEUE_CHECK_S, self.poll_seconds))
        finally:
            await watch.close()
