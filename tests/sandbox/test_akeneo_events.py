"""The sandbox's Events API: a subscriber receives signed product.created/updated deliveries, with knobs for
duplicate and out-of-order deliveries."""
from __future__ import annotations

import json
import time

import httpx
from icecat_akeneo.events.webhook import parse, verify

from sandbox.akeneo.testing import ApiSession
from sandbox.connections import AKENEO_CREDENTIALS
from tests.conftest import Sandbox
from tests.events.support import Receiver, create_product


def subscribe(akeneo: Sandbox, url: str, **knobs: object) -> None:
    httpx.post(f"{akeneo.base_url}/_sandbox/events/subscription", json={"url": url, **knobs}).raise_for_status()


def unsubscribe(akeneo: Sandbox) -> None:
    httpx.delete(f"{akeneo.base_url}/_sandbox/events/subscription").raise_for_status()


def test_creations_and_updates_are_delivered_signed_with_the_connection_secret(akeneo: Sandbox) -> None:
    with Receiver() as receiver:
        subscribe(akeneo, receiver.url)
        try:
            create_product(akeneo.base_url, "EV-HOOK-1")
            with ApiSession(akeneo.base_url) as api:
                api.patch("/api/rest/v1/products/EV-HOOK-1", json={"enabled": False}).raise_for_status()
            deliveries = receiver.wait_for(2)
        finally:
            unsubscribe(akeneo)
    actions = []
    for headers, body in deliveries:
        verify(AKENEO_CREDENTIALS["secret"], headers["x-akeneo-request-timestamp"],
               headers["x-akeneo-request-signature"], body, time.time())
        actions += [(e.identifier, e.action) for e in parse(body).events]
    assert actions == [("EV-HOOK-1", "product.created"), ("EV-HOOK-1", "product.updated")]


def test_duplicate_and_out_of_order_knobs(akeneo: Sandbox) -> None:
    with Receiver() as receiver:
        subscribe(akeneo, receiver.url, duplicates=1, out_of_order=True)
        try:
            with ApiSession(akeneo.base_url) as api:   # one collection PATCH: its events travel together
                api.patch_lines([{"identifier": "EV-A", "family": "laptops"},
                                 {"identifier": "EV-B", "family": "laptops"}])
            deliveries = receiver.wait_for(4)
        finally:
            unsubscribe(akeneo)
    first, second = (json.loads(body)["events"] for _, body in deliveries)
    assert first == second                                   # delivered twice
    assert [e["data"]["resource"]["identifier"] for e in first] == ["EV-B", "EV-A"]   # newest first
