"""Shared by the event tests: a demo mapping with `events:`, a product created in the Akeneo sandbox."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from icecat_akeneo.akeneo.client import AkeneoSettings
from icecat_akeneo.mapping import ClientMapping, load_mapping
from icecat_akeneo.state.events import EventStore

from sandbox.akeneo.testing import ApiSession
from sandbox.connections import AKENEO_CREDENTIALS
from sandbox.process import REPO_ROOT

DEMO_MAPPING = REPO_ROOT / "include" / "mappings" / "demo.yaml"
# The demo product DEMO-DELL-G5's identifiers: Icecat's sandbox has content for them.
DELL_VALUES = {
    "ean": [{"locale": None, "scope": None, "data": "5397184119709"}],
    "brand": [{"locale": None, "scope": None, "data": "DELL"}],
    "mpn": [{"locale": None, "scope": None, "data": "5587-9709"}],
    "data_owner": [{"locale": None, "scope": None, "data": "icecat"}],
}


def events_mapping(folder: Path, poll_seconds: int = 30, batch: int = 500) -> Path:
    """The demo mapping with an `events:` block, written into `folder`."""
    text = DEMO_MAPPING.read_text().replace(
        'schedule: "@daily"', f'schedule: "@daily"\nevents: {{poll_seconds: {poll_seconds}, batch: {batch}}}', 1)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "demo.yaml").write_text(text)
    return folder / "demo.yaml"


def mapping_with_events(folder: Path, **events: int) -> ClientMapping:
    return load_mapping(events_mapping(folder, **events))


def settings_for(base_url: str) -> AkeneoSettings:
    return AkeneoSettings(base_url=base_url, **AKENEO_CREDENTIALS)


def create_product(base_url: str, identifier: str, *, data_owner: str = "icecat") -> None:
    values = {**DELL_VALUES, "data_owner": [{"locale": None, "scope": None, "data": data_owner}]}
    with ApiSession(base_url) as api:
        response = api.post("/api/rest/v1/products", json={"identifier": identifier, "family": "laptops",
                                                             "categories": ["laptops"], "values": values})
    assert response.status_code == 201, response.text


def store_at(tmp_path: Path) -> EventStore:
    store = EventStore(f"sqlite:///{tmp_path / 'state.db'}", "demo")
    store.migrate()
    return store


def start_cursor(store: EventStore, ago: dt.timedelta = dt.timedelta(minutes=1)) -> None:
    """A watcher that already polled a minute ago (the first poll only starts the cursor)."""
    store.record_poll([], dt.datetime.now(dt.UTC) - ago)

