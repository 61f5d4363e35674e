"""Akeneo Events API deliveries: verify them, then turn them into queued product events.

Akeneo signs each delivery: `X-Akeneo-Request-Signature` is the hex HMAC-SHA256 of
`<X-Akeneo-Request-Timestamp>.<raw body>` keyed with the Akeneo Connection's secret. A delivery is refused
(`WebhookRejected`) when a header is missing, the signature does not match (401), the timestamp is further
than `MAX_SKEW_S` from now (401: a replayed old delivery), or the body is not an Events API message (400).
Inside a valid message, each event is queued or ignored with a reason (a removal, a product model, an
action we do not sync); the route drops the connector's own writes. Events may arrive twice or out of
order, which the queue's `webhook:<event_id>` key and the run's fresh read of the product make harmless.
Nothing here knows HTTP frameworks or Airflow.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

from icecat_akeneo.state.events import ProductEvent

MAX_SKEW_S = 300
MAX_EVENTS = 1000
"""Akeneo sends at most 10 events per delivery; a body with more is not from Akeneo."""
QUEUED_ACTIONS = ("product.created", "product.updated")


class WebhookRejected(ValueError):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


@dataclass(frozen=True)
class Delivery:
    events: list[ProductEvent]
    ignored: list[str]       # one reason per event not queued


def signature(secret: str, timestamp: str, body: bytes) -> str:
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def verify(secret: str, timestamp: str | None, signed: str | None, body: bytes, now: float) -> None:
    """Raise `WebhookRejected(401)` unless Akeneo signed this body recently with `secret`."""
    if not timestamp or not signed:
        raise WebhookRejected(401, "missing X-Akeneo-Request-Timestamp or X-Akeneo-Request-Signature header")
    if not hmac.compare_digest(signature(secret, timestamp, body), signed.strip().lower()):
        raise WebhookRejected(401, "bad signature: not signed with this Akeneo Connection's secret")
    try:
        age = now - int(timestamp)
    except ValueError:
        raise WebhookRejected(401, f"timestamp {timestamp[:40]!r} is not Unix seconds") from None
    if abs(age) > MAX_SKEW_S:
        raise WebhookRejected(401, f"stale delivery: timestamp is {int(age)} s from now (limit {MAX_SKEW_S} s)")


def _event(raw: Any, position: int) -> ProductEvent | str:
    """The queued event, or why it is not queued; raises on a shape no Akeneo event has."""
    if not isinstance(raw, dict) or not isinstance(raw.get("action"), str) or not raw.get("event_id"):
        raise WebhookRejected(400, f"events[{position}] has no action and event_id")
    action, event_id = raw["action"], str(raw["event_id"])
    if action not in QUEUED_ACTIONS:
        return f"event {event_id}: {action} is not synced by event runs (the full sync covers it)"
    resource = (raw.get("data") or {}).get("resource") if isinstance(raw.get("data"), dict) else None
    identifier = resource.get("identifier") if isinstance(resource, dict) else None
    if not isinstance(identifier, str) or not identifier:
        raise WebhookRejected(400, f"events[{position}] ({action}) has no data.resource.identifier")
    return ProductEvent(identifier, f"webhook:{event_id}", "webhook", action, _updated(resource.get("updated")))


def _updated(value: Any) -> dt.datetime | None:
    """The resource's `updated`, when it carries one we can read (used to recognise our own writes)."""
    try:
        moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
    return moment if moment is None or moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def parse(body: bytes) -> Delivery:
    """The events of one delivery (`{"events": [...]}`); raises `WebhookRejected(400)` on a malformed body."""
    try:
        message = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise WebhookRejected(400, f"body is not JSON: {error}") from None
    raw_events = message.get("events") if isinstance(message, dict) else None
    if not isinstance(raw_events, list) or len(raw_events) > MAX_EVENTS:
        raise WebhookRejected(400, f'body must be {{"events": [...]}} with at most {MAX_EVENTS} events')
    events, ignored = [], []
    for position, raw in enumerate(raw_events):
        outcome = _event(raw, position)
        (events if isinstance(outcome, ProductEvent) else ignored).append(outcome)
    return Delivery(events, ignored)
