"""One poll of Akeneo for products created or updated since the client's cursor.

The search is the client's selection plus `updated > cursor - 1 s` (Akeneo compares whole seconds, so a
product saved later in the cursor's own second is still found; the event key `identifier@updated` keeps it
from being queued twice). Only the first identifier attribute's values are asked for (`attributes=`): a
page of 100 products is a few kilobytes. Products whose `updated` is not later than the connector's own
last accepted write to them (`state_product.last_synced`, plus `OWN_WRITE_SLACK`) are our own PATCHes and
are not queued. The watcher keeps one client (and its token) across polls: an idle poll is one request.
The first poll of a client starts the cursor at the current time: the full sync covers the
past.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

from icecat_akeneo.akeneo.client import MAX_PAGE_SIZE, AkeneoClient, AkeneoSettings
from icecat_akeneo.mapping import ClientMapping
from icecat_akeneo.mapping_schema import AKENEO_DATETIME
from icecat_akeneo.state.events import EventStore, ProductEvent, utc_now

OVERLAP = dt.timedelta(seconds=1)
OWN_WRITE_SLACK = dt.timedelta(seconds=2)
"""Akeneo stamps `updated` when it applies our PATCH, a moment before we record the 2xx as `last_synced`."""


@dataclass(frozen=True)
class PollResult:
    found: int          # products Akeneo returned for the window
    own_writes: int     # of those, the connector's own PATCHes (not queued)
    queued: int         # newly queued events
    cursor: dt.datetime


def parse_updated(value: str) -> dt.datetime:
    """Akeneo's `updated` (ISO 8601 with offset) as an aware UTC datetime."""
    moment = dt.datetime.fromisoformat(value)
    return (moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)


def poll_search(mapping: ClientMapping, cursor: dt.datetime) -> dict[str, Any]:
    search = mapping.akeneo_search(None)
    since = (cursor - OVERLAP).astimezone(dt.UTC).strftime(AKENEO_DATETIME)
    search["updated"] = [*search.get("updated", []), {"operator": ">", "value": since}]
    return search


def not_own_writes(events: list[ProductEvent], last_synced: dict[str, dt.datetime]) -> list[ProductEvent]:
    """The events someone else than the connector caused: a product whose `updated` is not later than our
    last accepted write to it changed by our own PATCH (polled and webhook events alike)."""
    def ours(event: ProductEvent) -> bool:
        synced = last_synced.get(event.identifier)
        return synced is not None and event.updated is not None and event.updated <= synced + OWN_WRITE_SLACK

    return [event for event in events if not ours(event)]


def new_events(products: list[dict[str, Any]], last_synced: dict[str, dt.datetime]) -> list[ProductEvent]:
    """The products that changed in Akeneo by someone else than the connector."""
    events = []
    for product in products:
        identifier, updated = product["identifier"], parse_updated(product["updated"])
        action = "product.created" if product.get("created") == product["updated"] else "product.updated"
        events.append(ProductEvent(identifier, f"poll:{identifier}@{updated.isoformat()}", "poll", action, updated))
    return not_own_writes(events, last_synced)


async def poll_once(akeneo: AkeneoClient, mapping: ClientMapping, store: EventStore) -> PollResult:
    """Search Akeneo since the cursor, queue what changed and move the cursor (one transaction)."""
    cursor = store.cursor()
    if cursor is None:
        now = utc_now().replace(microsecond=0)
        store.record_poll([], now)
        return PollResult(0, 0, 0, now)
    attributes = [code for code in mapping.identifiers.model_dump().values() if code][:1]
    products: list[dict[str, Any]] = []
    async for page in akeneo.iter_product_pages(poll_search(mapping, cursor), attributes=attributes):
        products.extend({key: p.get(key) for key in ("identifier", "created", "updated")} for p in page)
    events = new_events(products, store.last_synced(p["identifier"] for p in products))
    newest = max([cursor, *(parse_updated(p["updated"]) for p in products)])
    queued = store.record_poll(events, newest)
    return PollResult(len(products), len(products) - len(events), queued, newest)


def poll_client(settings: AkeneoSettings) -> AkeneoClient:
    """The watcher's long-lived client: full pages, and one token for many polls."""
    return AkeneoClient(replace(settings, page_size=MAX_PAGE_SIZE))
