"""The watcher's poll on the Akeneo sandbox: new products become events once, the connector's own writes
and products outside the selection do not, and the cursor only moves forward."""
from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

from icecat_akeneo.events.poll import PollResult, new_events, poll_client, poll_once
from icecat_akeneo.state import StateStore
from icecat_akeneo.state.events import EventStore

from tests.conftest import Sandbox
from tests.events.support import create_product, mapping_with_events, settings_for, start_cursor, store_at


def poll(akeneo: Sandbox, tmp_path: Path, store: EventStore, times: int = 1) -> PollResult:
    """`times` polls with one client, as the watcher does; the last poll's result."""

    async def polls() -> PollResult:
        async with poll_client(settings_for(akeneo.base_url)) as client:
            for _ in range(times):
                result = await poll_once(client, mapping_with_events(tmp_path / "m"), store)
        return result

    return asyncio.run(polls())


def test_the_first_poll_only_starts_the_cursor(akeneo: Sandbox, tmp_path: Path) -> None:
    store = store_at(tmp_path)
    create_product(akeneo.base_url, "EV-BEFORE")
    result = poll(akeneo, tmp_path, store)
    assert result.queued == 0 and store.cursor() is not None and store.unemitted(10) == []


def test_a_created_product_is_queued_once_however_often_it_is_polled(akeneo: Sandbox, tmp_path: Path) -> None:
    store = store_at(tmp_path)
    start_cursor(store)
    create_product(akeneo.base_url, "EV-NEW-1")

    first, second = poll(akeneo, tmp_path, store), poll(akeneo, tmp_path, store)

    assert (first.queued, second.queued) == (1, 0)
    [queued] = store.unemitted(10)
    assert (queued.identifier, queued.action) == ("EV-NEW-1", "product.created")
    assert store.cursor() == first.cursor and first.cursor > dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)


def test_products_outside_the_selection_are_not_queued(akeneo: Sandbox, tmp_path: Path) -> None:
    store = store_at(tmp_path)
    start_cursor(store)
    create_product(akeneo.base_url, "EV-NOT-OURS", data_owner="internal")
    assert poll(akeneo, tmp_path, store).found == 0


def test_an_idle_poll_is_one_request_and_the_token_is_kept(akeneo: Sandbox, tmp_path: Path) -> None:
    store = store_at(tmp_path)
    start_cursor(store)
    before = akeneo.counters()["requests"]
    poll(akeneo, tmp_path, store, times=3)
    after = akeneo.counters()["requests"]
    sent = {kind: count - before.get(kind, 0) for kind, count in after.items() if count != before.get(kind, 0)}
    assert sent == {"GET /api/rest/v1/products": 3, "POST /api/oauth/v1/token": 1}, sent

def test_the_connectors_own_write_is_not_an_event(tmp_path: Path) -> None:
    written = dt.datetime(2026, 12, 1, 9, 0, 5, tzinfo=dt.UTC)
    created = "2026-12-01T08:00:00+00:00"
    products = [{"identifier": "OURS", "created": created, "updated": "2026-12-01T09:00:04+00:00"},
                {"identifier": "EDITED", "created": created, "updated": "2026-12-01T09:10:00+00:00"}]
    events = new_events(products, {"OURS": written, "EDITED": written})
    assert [(e.identifier, e.action) for e in events] == [("EDITED", "product.updated")]


def test_a_product_the_sync_wrote_is_not_queued_by_the_next_poll(akeneo: Sandbox, tmp_path: Path) -> None:
    store = store_at(tmp_path)
    start_cursor(store)
    create_product(akeneo.base_url, "EV-WRITTEN")
    state = StateStore(f"sqlite:///{tmp_path / 'state.db'}", "demo")
    state.record_accepted("EV-WRITTEN", {})
    assert poll(akeneo, tmp_path, store).own_writes == 1


def test_a_product_the_sync_wrote_under_its_uuid_is_not_queued_by_the_next_poll(akeneo: Sandbox,
                                                                                 tmp_path: Path) -> None:
    """Akeneo 7 / SaaS: the state keys the product by uuid; the poll still knows the write as its own."""
    store = store_at(tmp_path)
    start_cursor(store)
    create_product(akeneo.base_url, "EV-WRITTEN-UUID")
    state = StateStore(f"sqlite:///{tmp_path / 'state.db'}", "demo")
    state.use_uuids(lambda: {"EV-WRITTEN-UUID": "0b5c6a52-6b5e-4c1e-9d1f-2a0c3e4f5a6b"})
    state.record_accepted("EV-WRITTEN-UUID", {})
    assert poll(akeneo, tmp_path, store).own_writes == 1
