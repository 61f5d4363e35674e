"""One run per client at a time: a lease row in the state store, held from extract to the end of load.

Tasks of one run execute in separate processes (and on several workers), and a manual trigger or a backfill
does not honour the DAG's `max_active_runs`, so the lock lives where every worker looks: the state database.
The row `state_run_lock(client)` names the run holding it, when it took it and when it last showed life.
Taking it is one transaction that locks the row first (`SELECT ... FOR UPDATE` on PostgreSQL; SQLite's
`BEGIN IMMEDIATE` serialises writers), so two runs starting together cannot both win.

A run that died without releasing (a killed worker) keeps the lease only until its heartbeat is older than
`STALE_AFTER` (1 hour; each step start and each load flush beats): then the next run takes it over.
"""
from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable

from sqlalchemy import Connection, select, update
from sqlalchemy.dialects import postgresql, sqlite

from icecat_akeneo.state.models import RunLock
from icecat_akeneo.state.store import StateStore

LOCK = RunLock.__table__
STALE_AFTER = dt.timedelta(hours=1)
POLL_S = 1.0


class ClientLocked(RuntimeError):
    """Another run of the client holds the lease: this one must not sync now."""


def _row(connection: Connection, client: str) -> tuple[str | None, dt.datetime | None, dt.datetime | None]:
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    connection.execute(dialect.insert(LOCK).values(client=client).on_conflict_do_nothing(index_elements=["client"]))
    query = select(LOCK.c.run_id, LOCK.c.acquired_at, LOCK.c.heartbeat_at).where(LOCK.c.client == client)
    if connection.dialect.name == "postgresql":
        query = query.with_for_update()
    run_id, acquired_at, heartbeat_at = connection.execute(query).one()
    return run_id, acquired_at, heartbeat_at


class RunLease:
    """The lease of `run_id` on the store's client."""

    def __init__(self, store: StateStore, run_id: str, *, stale_after: dt.timedelta = STALE_AFTER,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.store, self.run_id, self.stale_after, self.sleep = store, run_id, stale_after, sleep

    def try_acquire(self) -> str | None:
        """Take (or keep) the lease; None when taken, else why not ("client X is already being synced ...")."""
        now = self.store.clock()
        with self.store.engine.begin() as connection:
            holder, since, heartbeat = _row(connection, self.store.client)
            free = holder is None or holder == self.run_id or heartbeat is None or now - heartbeat > self.stale_after
            if not free:
                return (f"client {self.store.client} is already being synced by run {holder} since "
                        f"{since:%Y-%m-%d %H:%M} UTC")
            acquired = since if holder == self.run_id else now
            connection.execute(update(LOCK).where(LOCK.c.client == self.store.client)
                               .values(run_id=self.run_id, acquired_at=acquired, heartbeat_at=now))
        return None

    def acquire(self, wait_s: float = 0) -> None:
        """Take the lease, waiting up to `wait_s` seconds for the run holding it; `ClientLocked` after that."""
        deadline = time.monotonic() + wait_s
        while (refusal := self.try_acquire()) is not None:
            if time.monotonic() >= deadline:
                raise ClientLocked(f"{refusal}; this run ({self.run_id}) gave up after waiting {wait_s:g} s")
            self.sleep(POLL_S)

    def holder(self) -> str | None:
        with self.store.engine.connect() as connection:
            return connection.execute(select(LOCK.c.run_id).where(LOCK.c.client == self.store.client)).scalar()

    def beat(self) -> None:
        """Show life (keeps a long load from being taken for dead); fails when another run took the lease."""
        with self.store.engine.begin() as connection:
            moved = connection.execute(update(LOCK).where(LOCK.c.client == self.store.client,
                                                          LOCK.c.run_id == self.run_id)
                                       .values(heartbeat_at=self.store.clock())).rowcount
        if not moved:
            raise ClientLocked(f"client {self.store.client}: run {self.run_id} no longer holds the sync lock "
                               f"(held by {self.holder()}); stopping so the two runs do not both write")

    def release(self) -> bool:
        """Give the lease up if this run holds it; True when it did."""
        with self.store.engine.begin() as connection:
            return bool(connection.execute(update(LOCK).where(LOCK.c.client == self.store.client,
                                                              LOCK.c.run_id == self.run_id)
                                           .values(run_id=None, heartbeat_at=None)).rowcount)
