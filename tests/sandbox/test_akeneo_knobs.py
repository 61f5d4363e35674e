"""Point 6 (knobs): latency, per-token concurrency 429s, seeded 5xx, resets, slow bodies, lost answers,
counters, reset."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from sandbox.akeneo.__main__ import build_state, parse_args
from sandbox.akeneo.testing import ApiSession, api_fixture  # noqa: F401 - provides the `api` fixture
from tests.conftest import Sandbox

PRODUCTS = "/api/rest/v1/products"


def parallel_gets(api: ApiSession, count: int) -> list[httpx.Response]:
    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(lambda _: api.get(PRODUCTS), range(count)))


def test_latency_delays_every_api_call(akeneo: Sandbox, api: ApiSession) -> None:
    akeneo.faults(latency_ms=250)
    started = time.monotonic()
    assert api.get(PRODUCTS).status_code == 200
    assert time.monotonic() - started >= 0.25


def test_concurrency_limit_answers_429_with_retry_after(akeneo: Sandbox, api: ApiSession) -> None:
    akeneo.faults(latency_ms=400, concurrency_limit=2, retry_after=5)
    statuses = sorted(response.status_code for response in parallel_gets(api, 4))
    assert statuses == [200, 200, 429, 429]
    refused = next(r for r in parallel_gets(api, 3) if r.status_code == 429)
    assert refused.headers["Retry-After"] == "5"
    assert refused.json() == {
        "code": 429,
        "message": "You have exceeded the limit of API requests per second.",
    }
    with ApiSession(akeneo.base_url) as other:  # the limit is per token
        with ThreadPoolExecutor(2) as pool:
            mine, theirs = pool.map(lambda session: session.get(PRODUCTS), [api, other])
        assert (mine.status_code, theirs.status_code) == (200, 200)


def test_429_without_retry_after_when_not_configured(akeneo: Sandbox, api: ApiSession) -> None:
    akeneo.faults(latency_ms=400, concurrency_limit=1, retry_after=None)
    refused = [r for r in parallel_gets(api, 2) if r.status_code == 429]
    assert len(refused) == 1 and "Retry-After" not in refused[0].headers


def test_error_rate_is_seeded_and_repeatable(akeneo: Sandbox, api: ApiSession) -> None:
    def run() -> list[int]:
        akeneo.faults(error_rate=0.5, seed=7)
        return [api.get(PRODUCTS).status_code for _ in range(16)]

    first = run()
    assert first == run()
    assert 200 in first and set(first) - {200} <= {500, 502, 503} and len(set(first)) > 1
    akeneo.faults(error_rate=1)
    failed = api.get(PRODUCTS)
    assert failed.status_code in (500, 502, 503) and failed.json()["code"] == failed.status_code


def test_connection_reset_is_a_transport_error_and_the_server_survives(
    akeneo: Sandbox, api: ApiSession
) -> None:
    akeneo.faults(reset_rate=1)
    with pytest.raises(httpx.TransportError):
        api.get(PRODUCTS)
    akeneo.faults()
    assert api.get(PRODUCTS).status_code == 200


def test_slow_body_trips_a_client_read_timeout(akeneo: Sandbox, api: ApiSession) -> None:
    akeneo.faults(slow_ms=700)
    with pytest.raises(httpx.ReadTimeout):
        api.get(PRODUCTS, timeout=httpx.Timeout(5, read=0.2))
    assert api.get(PRODUCTS, timeout=5).status_code == 200


def test_unknown_knob_is_refused(akeneo: Sandbox) -> None:
    response = httpx.post(akeneo.base_url + "/_sandbox/faults", json={"latency": 5})
    assert response.status_code == 422 and "latency_ms" in response.json()["message"]
    wrong_type = httpx.post(akeneo.base_url + "/_sandbox/faults", json={"latency_ms": "slow"})
    assert wrong_type.status_code == 422 and "latency_ms" in wrong_type.json()["message"]
    assert httpx.post(akeneo.base_url + "/_sandbox/faults", json={"error_rate": 2}).status_code == 422


def test_counters_count_routes_lines_tokens_and_concurrency(akeneo: Sandbox, api: ApiSession) -> None:
    akeneo.faults(latency_ms=200)
    parallel_gets(api, 3)
    api.get(PRODUCTS + "/DEMO-DELL-G5")
    api.patch_lines([{"identifier": "DEMO-DELL-G5"}, {"identifier": "NEW"}, {"identifier": "X", "bad": 1}])
    counters = akeneo.counters()
    assert counters["requests"]["GET /api/rest/v1/products"] == 3
    assert counters["requests"]["GET /api/rest/v1/products/{identifier}"] == 1
    assert counters["requests"]["POST /api/oauth/v1/token"] == 1 and counters["tokens_issued"] == 1
    assert counters["patch_lines"] == {"204": 1, "201": 1, "422": 1}
    assert counters["max_concurrency"] == 3


def test_reset_restores_the_seed_and_keeps_tokens_valid(akeneo: Sandbox, api: ApiSession) -> None:
    before = api.get(PRODUCTS + "/DEMO-DELL-G5").json()
    api.patch(PRODUCTS + "/DEMO-DELL-G5", json={"enabled": False})
    api.patch(PRODUCTS + "/CREATED", json={})
    api.delete(PRODUCTS + "/DEMO-HILLS")
    api.patch("/api/rest/v1/attributes/color/options/pink", json={"labels": {"en_US": "Pink"}})
    akeneo.faults(error_rate=1)
    akeneo.reset()
    assert api.get(PRODUCTS + "/DEMO-DELL-G5").json() == before
    assert api.get(PRODUCTS + "/CREATED").status_code == 404
    assert api.get(PRODUCTS + "/DEMO-HILLS").status_code == 200
    assert api.get("/api/rest/v1/attributes/color/options/pink").status_code == 404
    assert akeneo.counters()["patch_lines"] == {}


MEDIA = "/api/rest/v1/media-files"
PRODUCT = PRODUCTS + "/DEMO-DELL-G5"
MEDIA_TARGET = {"identifier": "DEMO-DELL-G5", "attribute": "main_image", "locale": None, "scope": None}


def upload_image(api: ApiSession) -> httpx.Response:
    return api.post(
        MEDIA,
        data={"product": json.dumps(MEDIA_TARGET)},
        files={"file": ("g5.jpg", b"\xff\xd8\xff\xe0" + bytes(64), "image/jpeg")},
    )


def test_lost_media_answer_keeps_the_file_and_the_value(akeneo: Sandbox, api: ApiSession) -> None:
    akeneo.faults(drop_media_next=1)
    with pytest.raises(httpx.RemoteProtocolError):
        upload_image(api)
    counters = akeneo.counters()
    assert counters["media_files"] == 1 and counters["responses_dropped"] == {"media": 1}
    stored = api.get(MEDIA).json()["_embedded"]["items"][0]["code"]
    assert api.get(PRODUCT).json()["values"]["main_image"][0]["data"] == stored
    retried = upload_image(api)  # only the next one was lost: a blind retry stores the file twice
    assert retried.status_code == 201 and akeneo.counters()["media_files"] == 2


def test_lost_patch_answers_after_the_product_was_updated(akeneo: Sandbox, api: ApiSession) -> None:
    akeneo.faults(drop_patch_next=2)
    with pytest.raises(httpx.RemoteProtocolError):
        api.patch(PRODUCT, json={"enabled": False})
    with pytest.raises(httpx.RemoteProtocolError):
        api.patch_lines([{"identifier": "DEMO-HILLS", "enabled": False}])
    assert api.get(PRODUCT).json()["enabled"] is False
    assert api.get(PRODUCTS + "/DEMO-HILLS").json()["enabled"] is False
    assert api.patch(PRODUCT, json={"enabled": True}).status_code == 204  # the next PATCH is answered
    assert akeneo.counters()["responses_dropped"] == {"patch": 2}


def test_lost_answer_rate_touches_only_its_route(akeneo: Sandbox, api: ApiSession) -> None:
    akeneo.faults(drop_patch_rate=1)
    for _ in range(3):
        with pytest.raises(httpx.RemoteProtocolError):
            api.patch(PRODUCT, json={"enabled": False})
    assert api.get(PRODUCT).status_code == 200 and upload_image(api).status_code == 201
    akeneo.faults()
    assert api.patch(PRODUCT, json={"enabled": True}).status_code == 204
    assert httpx.post(akeneo.base_url + "/_sandbox/faults", json={"drop_media_rate": 1.5}).status_code == 422


def test_lost_answer_knobs_as_cli_flags() -> None:
    args = parse_args(["--port", "1", "--drop-media-next", "2", "--drop-patch-rate", "0.25", "--fault-seed", "3"])
    state = build_state(args, ":memory:")
    assert (state.knobs.drop_media_next, state.knobs.drop_patch_rate, state.knobs.seed) == (2, 0.25, 3)
    assert [state.should_drop("media") for _ in range(3)] == [True, True, False]
    state.store.close()
