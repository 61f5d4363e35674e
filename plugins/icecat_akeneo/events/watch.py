"""What the trigger does each turn, without Airflow: one client's poller over its event store.

Kept out of `trigger.py` so it is tested with a sandbox-backed client and no triggerer.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from icecat_akeneo.akeneo.client import AkeneoClient, AkeneoSettings
from icecat_akeneo.events.poll import PollResult, poll_client, poll_once
from icecat_akeneo.mapping import ClientMapping, load_mapping
from icecat_akeneo.run_folder import data_root
from icecat_akeneo.state.events import EventStore, QueuedEvent, state_url

log = logging.getLogger(__name__)


@dataclass
class Watch:
    mapping: ClientMapping
    store: EventStore
    resolve_akeneo: Callable[[], AkeneoSettings]
    akeneo: AkeneoClient | None = None

    @classmethod
    def open(cls, client: str, mapping_path: str) -> Watch:
        from icecat_akeneo.hooks.akeneo import AkeneoHook

        mapping = load_mapping(mapping_path)
        store = EventStore(state_url(client, data_root()), client)
        store.migrate()
        return cls(mapping, store, AkeneoHook(mapping.connections.akeneo).get_settings)

    async def poll(self) -> PollResult | None:
        """One poll; an outage or an unexpected answer is logged and skipped (the cursor stays)."""
        try:
            self.akeneo = self.akeneo or poll_client(self.resolve_akeneo())
            result = await poll_once(self.akeneo, self.mapping, self.store)
        except Exception as error:  # noqa: BLE001 - a dead watcher would silently stop every event run
            await self.close_client()
            log.warning("client %s: Akeneo poll failed, retried next turn: %s: %s",
                        self.mapping.client, type(error).__name__, error)
            return None
        if result.queued:   # a window overlaps the last one by a second: re-found products are not news
            log.info("client %s: %d product(s) changed in Akeneo, %d by the connector itself, %d queued",
                     self.mapping.client, result.found, result.own_writes, result.queued)
        return result

    async def close_client(self) -> None:
        """Drop the client (after a failure: the next poll starts from fresh settings and a new token)."""
        if self.akeneo is not None:
            await self.akeneo.aclose()
            self.akeneo = None

    async def close(self) -> None:
        await self.close_client()
        self.store.close()

    def payload(self, batch: list[QueuedEvent]) -> dict[str, Any]:
        """An asset event's extra: the queue rows it carries (the run claims them by id)."""
        return {"client": self.mapping.client, "event_ids": [event.id for event in batch],
                "identifiers": sorted({event.identifier for event in batch})}
