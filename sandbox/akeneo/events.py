"""Akeneo's Events API, sandbox-sized: one event subscription that receives signed deliveries.

`POST /_sandbox/events/subscription {"url": ..., "secret"?: ..., "duplicates"?: N, "out_of_order"?: bool}`
subscribes (the secret defaults to the sandbox Connection's client secret, as in Akeneo); `GET` shows the
subscription and what was delivered (never the secret); `DELETE` unsubscribes. Every product creation or
change (`product_written`, called from the product write path) becomes a `product.created` /
`product.updated` event; a background thread sends them as Akeneo does: `{"events": [...]}` with at most 10
events per message, signed with `X-Akeneo-Request-Signature` = hex HMAC-SHA256 of `timestamp.body` and
`X-Akeneo-Request-Timestamp`. Knobs: `duplicates` sends every message that many extra times, `out_of_order`
reverses the events of each message. A failed delivery is counted and dropped (Akeneo retries little).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import queue
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import APIRouter, Request

from sandbox.akeneo.bodies import parse_object
from sandbox.akeneo.errors import ApiError
from sandbox.akeneo.state import SandboxState

MAX_EVENTS_PER_MESSAGE = 10
GATHER_S = 0.2
router = APIRouter(prefix="/_sandbox/events")


@dataclass
class Subscription:
    url: str
    secret: str = field(repr=False)
    duplicates: int = 0
    out_of_order: bool = False
    delivered: int = 0
    failed: int = 0
    outbox: queue.Queue[dict[str, Any]] = field(default_factory=queue.Queue, repr=False)
    stopped: threading.Event = field(default_factory=threading.Event, repr=False)

    def view(self) -> dict[str, Any]:
        return {"url": self.url, "duplicates": self.duplicates, "out_of_order": self.out_of_order,
                "delivered": self.delivered, "failed": self.failed, "waiting": self.outbox.qsize()}

    def start(self) -> None:
        threading.Thread(target=self._deliver_forever, name="akeneo-events", daemon=True).start()

    def _gather(self) -> list[dict[str, Any]]:
        events = [self.outbox.get(timeout=1.0)]
        deadline = time.monotonic() + GATHER_S
        while len(events) < MAX_EVENTS_PER_MESSAGE and (left := deadline - time.monotonic()) > 0:
            try:
                events.append(self.outbox.get(timeout=left))
            except queue.Empty:
                break
        return events[::-1] if self.out_of_order else events

    def _deliver_forever(self) -> None:
        with httpx.Client(timeout=10) as client:
            while not self.stopped.is_set():
                try:
                    events = self._gather()
                except queue.Empty:
                    continue
                body = json.dumps({"events": events}).encode()
                for _ in range(1 + self.duplicates):
                    self._send(client, body)

    def _send(self, client: httpx.Client, body: bytes) -> None:
        timestamp = str(int(time.time()))
        signed = hmac.new(self.secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
        headers = {"Content-Type": "application/json", "X-Akeneo-Request-Timestamp": timestamp,
                   "X-Akeneo-Request-Signature": signed}
        try:
            ok = client.post(self.url, content=body, headers=headers).is_success
        except httpx.HTTPError:
            ok = False
        if ok:
            self.delivered += 1
        else:
            self.failed += 1


def product_written(state: SandboxState, product: dict[str, Any], *, created: bool) -> None:
    """The write-path hook: queue the event of a product just stored, if someone subscribed."""
    subscription: Subscription | None = state.event_subscription
    if subscription is None:
        return
    subscription.outbox.put({
        "action": "product.created" if created else "product.updated",
        "event_id": str(uuid.uuid4()),
        "event_datetime": dt.datetime.now(dt.UTC).isoformat(),
        "author": state.credentials.username,
        "author_type": "api",
        "pim_source": "sandbox",
        "data": {"resource": {key: product.get(key) for key in ("uuid", "identifier", "family", "enabled",
                                                                 "categories", "created", "updated")}},
    })


def _unsubscribe(state: SandboxState) -> None:
    if state.event_subscription is not None:
        state.event_subscription.stopped.set()
    state.event_subscription = None


@router.post("/subscription")
async def subscribe(request: Request) -> dict[str, Any]:
    state = request.app.state.sandbox
    body = parse_object(await request.body())
    if not isinstance(body.get("url"), str) or not body["url"].startswith(("http://", "https://")):
        raise ApiError(422, 'Property "url" must be the http(s) URL events are delivered to.')
    _unsubscribe(state)
    subscription = Subscription(url=body["url"], secret=str(body.get("secret") or state.credentials.secret),
                                duplicates=int(body.get("duplicates", 0)),
                                out_of_order=bool(body.get("out_of_order", False)))
    state.event_subscription = subscription
    subscription.start()
    return subscription.view()


@router.get("/subscription")
async def subscription_view(request: Request) -> dict[str, Any]:
    subscription = request.app.state.sandbox.event_subscription
    if subscription is None:
        raise ApiError(404, "No event subscription.")
    return subscription.view()


@router.delete("/subscription")
async def unsubscribe(request: Request) -> dict[str, str]:
    _unsubscribe(request.app.state.sandbox)
    return {"status": "unsubscribed"}
