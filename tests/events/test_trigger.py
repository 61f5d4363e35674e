"""The asset watcher's trigger on the Akeneo sandbox, as the triggerer drives it (without a triggerer)."""
from __future__ import annotations

import asyncio
import importlib
from pathlib import Path

import pytest
from icecat_akeneo.events.serving import serve
from icecat_akeneo.events.trigger import AkeneoProductEventTrigger
from icecat_akeneo.state.events import EventStore

from sandbox.connections import demo_connections
from tests.conftest import Sandbox
from tests.events.support import create_product, events_mapping, start_cursor, store_at


@pytest.fixture
def trigger(akeneo: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AkeneoProductEventTrigger:
    for name, value in demo_connections(akeneo.base_url, "http://127.0.0.1:9").items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("ICECAT_AKENEO_DATA_ROOT", str(tmp_path / "data"))
    monkeypatch.delenv("ICECAT_AKENEO_STATE_URL", raising=False)
    start_cursor(store_at(tmp_path / "data" / "demo"))
    return AkeneoProductEventTrigger(client="demo", mapping_path=str(events_mapping(tmp_path / "mappings")),
                                     poll_seconds=30, batch=2)


def first_event(trigger: AkeneoProductEventTrigger) -> dict:
    """Start the trigger, take its first event, stop it there (as a triggerer killed right after emitting)."""

    async def take() -> dict:
        events = trigger.run()
        try:
            return (await anext(events)).payload
        finally:
            await events.aclose()

    return asyncio.run(take())


def test_the_trigger_serializes_to_an_importable_class_with_its_kwargs(trigger: AkeneoProductEventTrigger) -> None:
    classpath, kwargs = trigger.serialize()
    module, name = classpath.rsplit(".", 1)
    rebuilt = getattr(importlib.import_module(module), name)(**kwargs)
    assert rebuilt.serialize() == (classpath, kwargs)


def test_a_created_product_fires_an_event_in_batches(trigger: AkeneoProductEventTrigger, akeneo: Sandbox) -> None:
    for identifier in ("EV-T1", "EV-T2", "EV-T3"):
        create_product(akeneo.base_url, identifier)
    payload = first_event(trigger)
    assert payload["client"] == "demo"
    assert payload["identifiers"] == ["EV-T1", "EV-T2"]   # batch: 2


def test_a_triggerer_restart_loses_no_event_and_a_run_serves_none_twice(
    trigger: AkeneoProductEventTrigger, akeneo: Sandbox, tmp_path: Path
) -> None:
    create_product(akeneo.base_url, "EV-RESTART")
    before_restart = first_event(trigger)      # killed before it could record the emission
    after_restart = first_event(AkeneoProductEventTrigger(**trigger.serialize()[1]))

    assert after_restart == before_restart     # the same queue rows again: nothing lost
    store = EventStore(f"sqlite:///{tmp_path / 'data' / 'demo' / 'state.db'}", "demo")
    served = serve(store, [before_restart, after_restart], "run-1")
    assert served["identifiers"] == ["EV-RESTART"] and served["events"]["served"] == 1
