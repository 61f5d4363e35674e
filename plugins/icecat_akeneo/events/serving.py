"""What one event run serves: the queued events its triggering asset events carry, not served before.

Airflow hands a run every asset event queued since the previous run (`triggering_asset_events`), so a burst
that arrives during a run becomes the next run. The events are claimed in the state store by queue id: an
asset event emitted twice (triggerer restart) or a run retried does not serve a product twice.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from icecat_akeneo.mapping import ClientMapping
from icecat_akeneo.run_folder import data_root
from icecat_akeneo.state.events import EventStore, state_url

LISTED_IDENTIFIERS = 50
MAX_IDENTIFIERS_PER_SEARCH = 100
"""Akeneo refuses an `identifier IN` filter with more values."""


def event_searches(mapping: ClientMapping, identifiers: list[str]) -> list[dict[str, Any]]:
    """Product searches for just these identifiers, still within the client's selection (an event for a
    product outside it selects nothing): one search per 100 identifiers."""
    searches = []
    for start in range(0, len(identifiers), MAX_IDENTIFIERS_PER_SEARCH):
        search = mapping.akeneo_search(None)
        chunk = {"operator": "IN", "value": list(identifiers[start:start + MAX_IDENTIFIERS_PER_SEARCH])}
        search["identifier"] = [*search.get("identifier", []), chunk]
        searches.append(search)
    return searches


def event_ids(extras: Iterable[Mapping[str, Any]], client: str) -> list[int]:
    """Queue ids of the asset events' extras that belong to `client` (other extras are not ours)."""
    ids: list[int] = []
    for extra in extras:
        if extra.get("client") == client:
            ids.extend(int(i) for i in extra.get("event_ids") or [])
    return ids


def serve(store: EventStore, extras: Iterable[Mapping[str, Any]], run_id: str) -> dict[str, Any]:
    """Claim the run's events; returns the identifiers to sync and the summary the run's report shows."""
    asked = event_ids(extras, store.client)
    claimed = store.claim(asked, run_id)
    identifiers = sorted({event.identifier for event in claimed})
    summary = {
        "asset_event_ids": len(asked),
        "served": len(claimed),
        "already_served": len(set(asked) - {event.id for event in claimed}),
        "by_source": dict(Counter(event.source for event in claimed)),
        "by_action": dict(Counter(event.action for event in claimed)),
        "queue_ids": [claimed[0].id, claimed[-1].id] if claimed else [],
        "identifiers": identifiers[:LISTED_IDENTIFIERS],
        "identifiers_total": len(identifiers),
    }
    return {"identifiers": identifiers, "events": summary}


def asset_event_extras(triggering_asset_events: Mapping[Any, Iterable[Any]]) -> list[Mapping[str, Any]]:
    """What each asset event in a task context's `triggering_asset_events` carries: a watcher's event has
    the trigger's payload under `extra.payload` (`from_trigger: true`), other asset events their extra."""
    extras = [dict(event.extra or {}) for events in triggering_asset_events.values() for event in events]
    return [extra["payload"] if extra.get("from_trigger") else extra for extra in extras]


def serve_run(client: str, triggering_asset_events: Mapping[Any, Iterable[Any]], run_id: str) -> dict[str, Any]:
    """`serve` on the client's state store, for the DAG's first task."""
    store = EventStore(state_url(client, data_root()), client)
    try:
        store.migrate()
        return serve(store, asset_event_extras(triggering_asset_events), run_id)
    finally:
        store.close()
