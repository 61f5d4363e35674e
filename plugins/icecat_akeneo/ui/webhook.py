"""Akeneo Events API webhook, mounted by the api-server under `/icecat-akeneo-events` (plugin `fastapi_apps`).

`POST /icecat-akeneo-events/<client>` is outside Airflow's login (Akeneo cannot sign in): it is authenticated
by Akeneo's request signature instead (`icecat_akeneo.events.webhook`), keyed with the client's Akeneo
Connection secret. Events of the connector's own PATCHes are dropped as the poller drops them. Answers:
200 with what was queued, deduplicated and ignored; 401 for a missing/bad signature or a stale
timestamp; 400 for a malformed body; 404 for a client without `events:` in its mapping. The events are
queued in the client's state store; the client's asset watcher emits them at its next turn (within 5 s).
"""
from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI, HTTPException, Request, status

from icecat_akeneo.events import webhook
from icecat_akeneo.events.poll import not_own_writes
from icecat_akeneo.state.events import EventStore

log = logging.getLogger(__name__)
URL_PREFIX = "/icecat-akeneo-events"


@dataclass(frozen=True)
class WebhookTarget:
    secret: str
    open_store: Callable[[], EventStore]


def client_target(client: str) -> WebhookTarget | None:
    """The client's secret and state store, from its mapping and Akeneo Connection; None: no event runs."""
    from airflow.configuration import conf

    from icecat_akeneo.dag_support import mapping_folder
    from icecat_akeneo.hooks.akeneo import AkeneoHook
    from icecat_akeneo.mapping import load_mapping
    from icecat_akeneo.run_folder import data_root
    from icecat_akeneo.state.events import state_url

    path = mapping_folder(Path(conf.get("core", "dags_folder")) / "icecat_events.py") / f"{client}.yaml"
    if not path.is_file():
        return None
    mapping = load_mapping(path)
    if mapping.events is None:
        return None
    secret = AkeneoHook(mapping.connections.akeneo).get_settings().secret
    return WebhookTarget(secret, lambda: EventStore(state_url(client, data_root()), client))


def create_webhook_app(target_of: Callable[[str], WebhookTarget | None] = client_target) -> FastAPI:
    app = FastAPI(title="Icecat -> Akeneo event webhook", docs_url=None, redoc_url=None, openapi_url=None)

    @app.post("/{client}")
    async def receive(client: str, request: Request) -> dict:
        target = target_of(client) if re.fullmatch(r"[a-z0-9_]+", client) else None
        if target is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"client {client[:100]!r} has no event runs")
        body = await request.body()
        try:
            webhook.verify(target.secret, request.headers.get("x-akeneo-request-timestamp"),
                           request.headers.get("x-akeneo-request-signature"), body, time.time())
            delivery = webhook.parse(body)
        except webhook.WebhookRejected as rejected:
            log.warning("client %s: Akeneo event delivery refused (%d): %s", client, rejected.status, rejected.reason)
            raise HTTPException(rejected.status, rejected.reason) from None
        store = target.open_store()
        try:
            store.migrate()
            events = not_own_writes(delivery.events, store.last_synced(e.identifier for e in delivery.events))
            queued = store.enqueue(events)
        finally:
            store.close()
        for reason in delivery.ignored:
            log.info("client %s: %s", client, reason)
        return {"queued": queued, "duplicates": len(events) - queued, "own_writes": len(delivery.events) - len(events),
                "ignored": delivery.ignored}

    return app
