"""Akeneo event deliveries: signed, fresh and well-formed ones are queued once; anything else is refused."""
from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import httpx
import pytest
from icecat_akeneo.events.webhook import MAX_SKEW_S, WebhookRejected, parse, signature, verify
from icecat_akeneo.state.events import EventStore
from icecat_akeneo.ui.webhook import WebhookTarget, create_webhook_app

from tests.events.support import store_at

SECRET = "connection-secret"


def delivery(*events: dict) -> bytes:
    return json.dumps({"events": list(events)}).encode()


def product_event(identifier: str, event_id: str, action: str = "product.created") -> dict:
    return {"action": action, "event_id": event_id, "event_datetime": "2026-12-01T09:00:00+00:00",
            "author": "julia", "author_type": "ui", "data": {"resource": {"identifier": identifier}}}


def signed(body: bytes, *, secret: str = SECRET, at: float | None = None) -> dict[str, str]:
    timestamp = str(int(time.time() if at is None else at))
    return {"x-akeneo-request-timestamp": timestamp, "x-akeneo-request-signature": signature(secret, timestamp, body)}


def test_akeneos_documented_signature_is_accepted() -> None:
    """HMAC-SHA256 of `timestamp.body`, hex (Akeneo's Events API security page)."""
    body = b'{"events":[]}'
    headers = signed(body, at=1602565368)
    verify(SECRET, headers["x-akeneo-request-timestamp"], headers["x-akeneo-request-signature"], body, 1602565368)


@pytest.mark.parametrize(("timestamp_shift", "secret", "why"), [
    (0, "another-secret", "bad signature"),
    (-(MAX_SKEW_S + 1), SECRET, "stale delivery"),
    (MAX_SKEW_S + 1, SECRET, "stale delivery"),
])
def test_forged_and_replayed_deliveries_are_refused(timestamp_shift: int, secret: str, why: str) -> None:
    body, now = delivery(product_event("A", "e1")), 1_800_000_000
    headers = signed(body, secret=secret, at=now + timestamp_shift)
    with pytest.raises(WebhookRejected, match=why) as refused:
        verify(SECRET, headers["x-akeneo-request-timestamp"], headers["x-akeneo-request-signature"], body, now)
    assert refused.value.status == 401


def test_a_body_changed_after_signing_is_refused() -> None:
    body = delivery(product_event("A", "e1"))
    headers = signed(body)
    with pytest.raises(WebhookRejected, match="bad signature"):
        verify(SECRET, headers["x-akeneo-request-timestamp"], headers["x-akeneo-request-signature"],
               body.replace(b'"A"', b'"B"'), time.time())


@pytest.mark.parametrize("body", [b"not json", b'{"events": {}}', b'[1]', b'{"events": [{"action": 3}]}',
                                  delivery({"action": "product.created", "event_id": "e1", "data": {}})])
def test_malformed_bodies_are_refused_as_bad_requests(body: bytes) -> None:
    with pytest.raises(WebhookRejected) as refused:
        parse(body)
    assert refused.value.status == 400


def test_removals_and_product_models_are_ignored_with_a_reason() -> None:
    parsed = parse(delivery(product_event("A", "e1"), product_event("B", "e2", "product.removed"),
                            {"action": "product_model.updated", "event_id": "e3",
                             "data": {"resource": {"code": "tshirt"}}}))
    assert [e.identifier for e in parsed.events] == ["A"]
    assert [reason.split(":")[0] for reason in parsed.ignored] == ["event e2", "event e3"]


def post(tmp_path: Path, path: str, body: bytes, headers: dict[str, str]) -> httpx.Response:
    """POST to the webhook app in process, with the demo client's state store in `tmp_path`."""
    target = WebhookTarget(SECRET, lambda: EventStore(f"sqlite:///{tmp_path / 'state.db'}", "demo"))
    app = create_webhook_app(lambda client: target if client == "demo" else None)

    async def send() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://airflow") as client:
            return await client.post(path, content=body, headers=headers)

    return asyncio.run(send())


def test_a_signed_delivery_is_queued_and_its_redelivery_is_deduplicated(tmp_path: Path) -> None:
    store = store_at(tmp_path)
    body = delivery(product_event("A", "e1"), product_event("B", "e2"))
    # Akeneo may deliver the same events again, and in another order
    redelivered = delivery(product_event("B", "e2"), product_event("A", "e1"))

    first = post(tmp_path, "/demo", body, signed(body))
    again = post(tmp_path, "/demo", redelivered, signed(redelivered))

    assert first.status_code == 200 and first.json()["queued"] == 2
    assert again.status_code == 200 and again.json() == {"queued": 0, "duplicates": 2, "own_writes": 0, "ignored": []}
    assert sorted(e.identifier for e in store.unemitted(10)) == ["A", "B"]


@pytest.mark.parametrize(("path", "headers", "status"), [
    ("/demo", {}, 401),
    ("/demo", {"x-akeneo-request-timestamp": "1", "x-akeneo-request-signature": "00"}, 401),
    ("/acme", None, 404),
    ("/Demo%3Bx", None, 404),
])
def test_unsigned_or_unknown_deliveries_queue_nothing(tmp_path: Path, path: str, headers: dict | None,
                                                      status: int) -> None:
    store = store_at(tmp_path)
    body = delivery(product_event("A", "e1"))
    response = post(tmp_path, path, body, signed(body) if headers is None else headers)
    assert response.status_code == status
    assert store.unemitted(10) == []


def test_a_malformed_signed_body_is_a_bad_request(tmp_path: Path) -> None:
    body = b'{"events": "all"}'
    assert post(tmp_path, "/demo", body, signed(body)).status_code == 400
