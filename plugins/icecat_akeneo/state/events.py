"""The durable side of event-driven runs: each client's poll cursor and its queue of product events.

Delivery is at-least-once from Akeneo and from the triggerer (an event can be emitted again when the triggerer
dies between emitting it and recording that it did), exactly-once in effect at the consumer:

- the poller stores the products it found and its advanced cursor in one transaction (`record_poll`), so a
  restart neither re-reads nor skips a window; a webhook stores its events the same way (`enqueue`);
- each event has a key (`poll:<identifier>@<updated>`, `webhook:<event_id>`): the same event queued twice is
  stored once;
- the trigger emits what is not yet emitted (`unemitted`) and marks it afterwards (`mark_emitted`);
- a run claims the queued rows its asset events name and any other emitted, unserved row (`claim`): a row
  already served by another run is not served again, so a repeated emission costs one empty run at most.
"""
from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, select, update
from sqlalchemy.dialects import postgresql, sqlite

from icecat_akeneo.state.engine import engine_for, sqlite_url
from icecat_akeneo.state.migrate import upgrade_to_head
from icecat_akeneo.state.models import EVENT_CURSOR, EVENT_QUEUE, Product

STATE_URL_ENV = "ICECAT_AKENEO_STATE_URL"
CURSOR, QUEUE = EVENT_CURSOR, EVENT_QUEUE
PRODUCT = Product.__table__


@dataclass(frozen=True)
class ProductEvent:
    """One product created or updated in Akeneo, as the poller or a webhook saw it."""

    identifier: str
    event_key: str
    source: str          # "poll" or "webhook"
    action: str          # "product.created" or "product.updated"
    updated: dt.datetime | None = None   # the product's `updated` the event reports (not stored)


@dataclass(frozen=True)
class QueuedEvent:
    id: int
    identifier: str
    source: str
    action: str


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def state_url(client: str, data_root: os.PathLike[str] | str) -> str:
    """The same database the sync runs use: `ICECAT_AKENEO_STATE_URL`, else `<data root>/<client>/state.db`."""
    return os.environ.get(STATE_URL_ENV) or sqlite_url(data_root, client)


class EventStore:
    """One client's cursor and event queue in the state database at `url`."""

    def __init__(self, url: str, client: str) -> None:
        self.client = client
        self.engine = engine_for(url)

    def close(self) -> None:
        self.engine.dispose()

    def migrate(self) -> None:
        upgrade_to_head(self.engine)

    def cursor(self) -> dt.datetime | None:
        with self.engine.connect() as connection:
            return connection.execute(select(CURSOR.c.cursor).where(CURSOR.c.client == self.client)).scalar()

    def record_poll(self, events: Sequence[ProductEvent], cursor: dt.datetime) -> int:
        """Queue what one poll found and move the cursor, both or neither; returns the newly queued count."""
        now = utc_now()
        with self.engine.begin() as connection:
            queued = self._insert_new(connection, events, now)
            dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
            statement = dialect.insert(CURSOR).values(client=self.client, cursor=cursor, polled_at=now)
            connection.execute(statement.on_conflict_do_update(
                index_elements=["client"], set_={"cursor": cursor, "polled_at": now}))
        return queued

    def enqueue(self, events: Sequence[ProductEvent]) -> int:
        """Queue webhook events; an event already queued (same key) is not queued again. Returns the new count."""
        with self.engine.begin() as connection:
            return self._insert_new(connection, events, utc_now())

    def _insert_new(self, connection: Connection, events: Sequence[ProductEvent], now: dt.datetime) -> int:
        if not events:
            return 0
        dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
        rows = [{"client": self.client, "event_key": e.event_key, "identifier": e.identifier, "source": e.source,
                 "action": e.action, "queued_at": now} for e in dict((e.event_key, e) for e in events).values()]
        result = connection.execute(dialect.insert(QUEUE).on_conflict_do_nothing(
            index_elements=["client", "event_key"]), rows)
        return max(result.rowcount, 0)

    def unemitted(self, limit: int) -> list[QueuedEvent]:
        """The oldest `limit` queued events no asset event carried yet."""
        query = (select(QUEUE.c.id, QUEUE.c.identifier, QUEUE.c.source, QUEUE.c.action)
                 .where(QUEUE.c.client == self.client, QUEUE.c.emitted_at.is_(None))
                 .order_by(QUEUE.c.id).limit(limit))
        with self.engine.connect() as connection:
            return [QueuedEvent(*row) for row in connection.execute(query)]

    def mark_emitted(self, ids: Iterable[int]) -> None:
        with self.engine.begin() as connection:
            connection.execute(update(QUEUE).where(QUEUE.c.client == self.client, QUEUE.c.id.in_(list(ids)))
                               .values(emitted_at=utc_now()))

    def claim(self, ids: Iterable[int], run_id: str) -> list[QueuedEvent]:
        """The events this run serves: those of `ids` and every other one already emitted, not yet served
        (Airflow keeps one queue row per asset: events emitted while a run waited to start may not be among
        its asset events), plus those it claimed before (a retried task)."""
        wanted = list(dict.fromkeys(ids))
        open_rows = (QUEUE.c.client == self.client) & QUEUE.c.served_run.is_(None) & (
            QUEUE.c.id.in_(wanted) | QUEUE.c.emitted_at.is_not(None))
        with self.engine.begin() as connection:
            connection.execute(update(QUEUE).where(open_rows).values(served_run=run_id))
            rows = connection.execute(select(QUEUE.c.id, QUEUE.c.identifier, QUEUE.c.source, QUEUE.c.action)
                                      .where(QUEUE.c.client == self.client, QUEUE.c.served_run == run_id)
                                      .order_by(QUEUE.c.id))
            return [QueuedEvent(*row) for row in rows]

    def last_synced(self, identifiers: Iterable[str]) -> dict[str, dt.datetime]:
        """When the connector's last accepted write to each product happened (products never written: absent).

        Rows are keyed by Akeneo's uuid once a run knew it (`state.keys`), by identifier before: a product is
        found by its key or by the identifier last seen (`akeneo_identifier`), and answered under the name asked."""
        wanted = list(dict.fromkeys(identifiers))
        if not wanted:
            return {}
        query = select(PRODUCT.c.identifier, PRODUCT.c.akeneo_identifier, PRODUCT.c.last_synced).where(
            PRODUCT.c.client == self.client, PRODUCT.c.last_synced.is_not(None),
            PRODUCT.c.identifier.in_(wanted) | PRODUCT.c.akeneo_identifier.in_(wanted))
        asked, found = set(wanted), {}
        with self.engine.connect() as connection:
            for key, akeneo_identifier, synced in connection.execute(query):
                name = akeneo_identifier if akeneo_identifier in asked else key
                found[name] = max(synced, found.get(name, synced))
        return found
