"""One run per client at a time (issue 11, point 5): the lease row in the state store, on SQLite and
PostgreSQL, as two processes' stores would see it (two StateStore objects on one database)."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from icecat_akeneo.state import StateStore, sqlite_url
from icecat_akeneo.state.lock import STALE_AFTER, ClientLocked, RunLease

from tests.icecat_akeneo.test_state import _postgres_schema_url

NOON = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)


class Clock:
    def __init__(self) -> None:
        self.now = NOON

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def state_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield sqlite_url(tmp_path, "acme")
    else:
        yield from _postgres_schema_url(request.getfixturevalue("postgres_url"))


@pytest.fixture
def clock() -> Clock:
    return Clock()


def lease(url: str, run_id: str, clock: Clock, sleep=lambda _s: None) -> RunLease:
    store = StateStore(url, "acme", clock=clock)
    store.migrate()
    return RunLease(store, run_id, sleep=sleep)


def test_a_second_run_of_the_client_fails_fast_naming_the_run_that_holds_it(state_url: str, clock: Clock) -> None:
    first, second = lease(state_url, "scheduled__2026-12-01", clock), lease(state_url, "manual__1", clock)
    first.acquire()
    first.acquire()  # a retried or cleared step of the same run takes it again
    with pytest.raises(ClientLocked) as refused:
        second.acquire()
    assert str(refused.value) == ("client acme is already being synced by run scheduled__2026-12-01 since "
                                  "2026-12-01 12:00 UTC; this run (manual__1) gave up after waiting 0 s")
    assert first.release() and not second.release()
    second.acquire()
    assert second.holder() == "manual__1"


def test_a_waiting_run_takes_the_lock_when_the_first_releases_it(state_url: str, clock: Clock) -> None:
    first = lease(state_url, "run-a", clock)
    first.acquire()
    waits: list[float] = []

    def sleep(seconds: float) -> None:  # the first run ends its load while the second waits
        waits.append(seconds)
        if len(waits) == 3:
            first.release()

    second = lease(state_url, "run-b", clock, sleep)
    second.acquire(wait_s=600)
    assert second.holder() == "run-b" and len(waits) == 3


def test_a_dead_run_loses_its_lease_after_the_expiry_and_notices_it(state_url: str, clock: Clock) -> None:
    dead, next_run = lease(state_url, "run-dead", clock), lease(state_url, "run-next", clock)
    dead.acquire()
    clock.now = NOON + STALE_AFTER
    with pytest.raises(ClientLocked):
        next_run.acquire()  # exactly at the expiry it is still held
    clock.now = NOON + STALE_AFTER + dt.timedelta(seconds=1)
    next_run.acquire()
    with pytest.raises(ClientLocked, match="run run-dead no longer holds the sync lock"):
        dead.beat()
