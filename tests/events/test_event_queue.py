"""The durable cursor and queue: what survives a triggerer restart, and what a run serves."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from icecat_akeneo.events.serving import serve
from icecat_akeneo.state.events import EventStore, ProductEvent

from tests.events.support import store_at

CURSOR = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


def event(identifier: str, key: str | None = None, source: str = "poll") -> ProductEvent:
    return ProductEvent(identifier, key or f"{source}:{identifier}", source, "product.created")


def extra(*ids: int) -> dict:
    return {"client": "demo", "event_ids": list(ids)}


def test_a_restarted_watcher_finds_its_cursor_and_the_events_it_had_not_emitted(tmp_path: Path) -> None:
    store = store_at(tmp_path)
    assert store.record_poll([event("A"), event("B")], CURSOR) == 2
    emitted = store.unemitted(1)
    store.mark_emitted([e.id for e in emitted])
    store.close()

    restarted = EventStore(f"sqlite:///{tmp_path / 'state.db'}", "demo")
    assert restarted.cursor() == CURSOR
    assert [e.identifier for e in restarted.unemitted(10)] == ["B"]


def test_the_same_event_queued_twice_is_stored_once(tmp_path: Path) -> None:
    store = store_at(tmp_path)
    assert store.enqueue([event("A", "webhook:e1", "webhook")]) == 1
    assert store.enqueue([event("A", "webhook:e1", "webhook"), event("B", "webhook:e2", "webhook")]) == 1
    assert [e.identifier for e in store.unemitted(10)] == ["A", "B"]


def test_an_event_emitted_twice_is_served_by_one_run_only(tmp_path: Path) -> None:
    """The triggerer died after emitting but before marking: the restarted watcher emits the same ids again."""
    store = store_at(tmp_path)
    store.record_poll([event("A"), event("B")], CURSOR)
    ids = [e.id for e in store.unemitted(10)]

    first = serve(store, [extra(*ids)], "run-1")
    again = serve(store, [extra(*ids)], "run-2")

    assert first["identifiers"] == ["A", "B"] and first["events"]["served"] == 2
    assert again["identifiers"] == [] and again["events"]["already_served"] == 2


def test_a_retried_run_serves_its_events_again(tmp_path: Path) -> None:
    store = store_at(tmp_path)
    store.record_poll([event("A")], CURSOR)
    ids = [e.id for e in store.unemitted(10)]
    serve(store, [extra(*ids)], "run-1")
    assert serve(store, [extra(*ids)], "run-1")["identifiers"] == ["A"]


def test_a_run_coalesces_every_asset_event_it_was_handed_and_reports_them(tmp_path: Path) -> None:
    store = store_at(tmp_path)
    store.record_poll([event("A"), event("B")], CURSOR)
    store.enqueue([event("B", "webhook:e9", "webhook"), event("C", "webhook:e10", "webhook")])
    ids = [e.id for e in store.unemitted(10)]
    other_client = {"client": "acme", "event_ids": ids}

    served = serve(store, [extra(*ids[:2]), extra(*ids[2:]), other_client], "run-1")

    assert served["identifiers"] == ["A", "B", "C"]
    assert served["events"]["served"] == 4
    assert served["events"]["by_source"] == {"poll": 2, "webhook": 2}


def test_a_watchers_asset_event_is_read_from_its_payload(tmp_path: Path) -> None:
    """Airflow stores a trigger's event as `extra={"from_trigger": True, "payload": ...}`."""
    from types import SimpleNamespace

    from icecat_akeneo.events.serving import asset_event_extras

    store = store_at(tmp_path)
    store.record_poll([event("A")], CURSOR)
    ids = [e.id for e in store.unemitted(10)]
    asset_events = {"akeneo://demo/product-events": [
        SimpleNamespace(extra={"from_trigger": True, "payload": extra(*ids)}),
        SimpleNamespace(extra=None)]}
    assert serve(store, asset_event_extras(asset_events), "run-1")["identifiers"] == ["A"]


def test_an_event_run_searches_its_identifiers_within_the_selection_100_at_a_time(tmp_path: Path) -> None:
    from icecat_akeneo.events.serving import event_searches

    from tests.events.support import mapping_with_events

    identifiers = [f"P{n:03d}" for n in range(250)]
    searches = event_searches(mapping_with_events(tmp_path), identifiers)
    assert [len(s["identifier"][0]["value"]) for s in searches] == [100, 100, 50]
    assert all(s["data_owner"] == [{"operator": "IN", "value": ["icecat"]}] for s in searches)
    assert [v for s in searches for v in s["identifier"][0]["value"]] == identifiers


def test_events_emitted_while_a_run_waited_are_served_by_it(tmp_path: Path) -> None:
    """Airflow folds every event emitted before a waiting run starts into one asset-queue row, and hands
    the run only the events up to that row's time: the run still serves everything emitted so far."""
    store = store_at(tmp_path)
    store.record_poll([event("A"), event("B"), event("C")], CURSOR)
    first, *later = store.unemitted(10)
    store.mark_emitted([first.id, *(e.id for e in later)])
    served = serve(store, [extra(first.id)], "run-2")
    assert served["identifiers"] == ["A", "B", "C"] and served["events"]["already_served"] == 0
