"""Injected faults (latency, 429 with/without Retry-After, 5xx, resets) and the counters that show them."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from tests.conftest import ICECAT_OPEN_USER, Sandbox

PARAMS = {"lang": "EN", "shopname": ICECAT_OPEN_USER, "GTIN": "5397184119709", "content": "GeneralInfo"}


async def parallel_statuses(icecat: Sandbox, count: int) -> list[httpx.Response]:
    async with httpx.AsyncClient(base_url=icecat.base_url, timeout=10) as client:
        return await asyncio.gather(*(client.get("/api", params=PARAMS) for _ in range(count)))


def test_concurrency_limit_answers_429_with_retry_after(icecat: Sandbox) -> None:
    icecat.faults(latency_ms=300, concurrency_limit=2, retry_after=3)
    responses = asyncio.run(parallel_statuses(icecat, 6))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 200, 429, 429, 429, 429]
    throttled = [r for r in responses if r.status_code == 429]
    assert all(r.headers["retry-after"] == "3" for r in throttled)
    counters = icecat.counters()
    assert counters["throttled_429"] == 4
    assert counters["max_concurrency_per_account"] == 2
    assert counters["by_status"] == {"200": 2, "429": 4}


def test_429_without_retry_after(icecat: Sandbox) -> None:
    icecat.faults(latency_ms=300, concurrency_limit=1, retry_after=None)
    throttled = [r for r in asyncio.run(parallel_statuses(icecat, 3)) if r.status_code == 429]
    assert throttled and all("retry-after" not in r.headers for r in throttled)


def test_latency_is_applied(icecat: Sandbox) -> None:
    icecat.faults(latency_ms=250)
    started = time.monotonic()
    assert httpx.get(f"{icecat.base_url}/api", params=PARAMS, timeout=10).status_code == 200
    assert time.monotonic() - started >= 0.25


def test_error_rate_gives_5xx_and_empty_knobs_clear_it(icecat: Sandbox) -> None:
    icecat.faults(error_rate=1.0, seed=3)
    statuses = {httpx.get(f"{icecat.base_url}/api", params=PARAMS, timeout=10).status_code for _ in range(12)}
    assert statuses <= {500, 502, 503} and len(statuses) >= 2
    assert icecat.counters()["injected_errors"] == 12
    icecat.faults()
    assert httpx.get(f"{icecat.base_url}/api", params=PARAMS, timeout=10).status_code == 200


def test_reset_rate_drops_the_connection(icecat: Sandbox) -> None:
    icecat.faults(reset_rate=1.0)
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{icecat.base_url}/api", params=PARAMS, timeout=10)
    assert icecat.counters()["injected_resets"] == 1


def test_reset_clears_faults_and_counters(icecat: Sandbox) -> None:
    icecat.faults(error_rate=1.0)
    httpx.get(f"{icecat.base_url}/api", params=PARAMS, timeout=10)
    icecat.reset()
    assert httpx.get(f"{icecat.base_url}/api", params=PARAMS, timeout=10).status_code == 200
    assert icecat.counters()["requests"] == 1


def test_counters_per_route_and_lookup_kind(icecat: Sandbox) -> None:
    httpx.get(f"{icecat.base_url}/api", params=PARAMS, timeout=10)
    httpx.get(f"{icecat.base_url}/api", params={**PARAMS, "GTIN": "", "icecat_id": "56195846"}, timeout=10)
    httpx.get(
        f"{icecat.base_url}/xml_s3/xml_server3.cgi?ean_upc=4948570114344;lang=EN",
        auth=(ICECAT_OPEN_USER, "x"),
        timeout=10,
    )
    httpx.get(f"{icecat.base_url}/media/img/x.jpg", timeout=10)
    counters = icecat.counters()
    assert counters["by_route"] == {"api": 2, "xml": 1, "media": 1}
    assert counters["by_lookup"] == {"gtin": 1, "icecat_id": 1, "xml_gtin": 1}
    assert counters["by_account"][ICECAT_OPEN_USER] == 3


@pytest.mark.parametrize(
    ("knobs", "named"),
    [
        ({"latency": 5}, "latency"),
        ({"latency_ms": "slow"}, "latency_ms"),
        ({"error_rate": None}, "error_rate"),
    ],
)
def test_bad_knob_is_refused_by_name_and_changes_nothing(icecat: Sandbox, knobs: dict, named: str) -> None:
    response = httpx.post(f"{icecat.base_url}/_sandbox/faults", json=knobs, timeout=10)
    assert response.status_code == 400
    assert named in response.json()["error"]
    assert httpx.get(f"{icecat.base_url}/api", params=PARAMS, timeout=10).status_code == 200
