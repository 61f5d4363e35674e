"""Shared by the event tests: a demo mapping with `events:`, a product created in the Akeneo sandbox."""
from __future__ import annotations

import datetime as dt
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
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



class Receiver:
    """An HTTP endpoint on a free loopback port that keeps every POST (headers, body) it receives."""

    def __init__(self) -> None:
        received = self.received = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers["Content-Length"]))
                received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def __enter__(self) -> Receiver:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def wait_for(self, events: int, limit_s: float = 30) -> list[tuple[dict[str, str], bytes]]:
        """The deliveries received once they hold `events` events in all (the sandbox delivers from a
        background thread, up to 10 events per message)."""
        deadline = time.monotonic() + limit_s
        while self.events_received() < events and time.monotonic() < deadline:
            time.sleep(0.05)
        return list(self.received)

    def events_received(self) -> int:
        return sum(len(json.loads(body)["events"]) for _, body in list(self.received))
