"""The Icecat client against the Icecat sandbox: every outcome, languages, cache and data creation on the
sandbox's ASGI app in-process (`icecat_app`); retries, dropped connections and throttling on the real server
(`icecat`), since only a socket can be reset; the pure parts (AIMD window, streaming, breaker, redaction)
with httpx.MockTransport."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from icecat_akeneo.breaker import BreakerSettings
from icecat_akeneo.icecat.client import IcecatClient, IcecatSettings
from icecat_akeneo.icecat.concurrency import AdaptiveLimiter
from icecat_akeneo.icecat.lookup import LookupResult, ProductKeys
from icecat_akeneo.icecat.record_json import NORMALIZER_VERSION
from icecat_akeneo.retry import RetryPolicy

from sandbox.icecat.app import create_app
from sandbox.icecat.config import parse_args
from tests.conftest import ICECAT_FULL, ICECAT_OPEN_USER, Sandbox

FAST_RETRY = RetryPolicy(max_attempts=5, base_delay=0.01, max_delay=0.05)
PATIENT = BreakerSettings(failure_threshold=1000)  # random faults: a run of failures must not open the breaker
DELL = ProductKeys(gtin="5397184119709", brand="DELL", mpn="5587-9709")
S7 = ProductKeys(gtin="8806088281285")
JABRA = ProductKeys(brand="Jabra", mpn="25089-899-899-01")
ONEPLUS = ProductKeys(gtin="5011113506001", brand="OnePlus", mpn="5011113506")
HILLS = ProductKeys(gtin="0052742001203", brand="Hill's", mpn="10012")
BADEAN = ProductKeys(gtin="4948570114345", brand="iiyama", mpn="X4071UHSU-B1")


IN_PROCESS: dict[str, httpx.AsyncBaseTransport] = {}  # base URL -> ASGI transport of the in-process sandbox


class InProcessSandbox(Sandbox):
    """The Icecat sandbox app without a server: the client talks to it through httpx.ASGITransport."""

    def reset(self) -> None:
        self.post("/_sandbox/reset")

    def counters(self) -> dict:
        return asyncio.run(self._call("GET", "/_sandbox/counters")).json()

    def post(self, path: str, json: object = None) -> None:
        asyncio.run(self.apost(path, json))

    async def apost(self, path: str, json: object = None) -> None:
        (await self._call("POST", path, json)).raise_for_status()

    async def _call(self, method: str, path: str, json: object = None) -> httpx.Response:
        async with httpx.AsyncClient(transport=IN_PROCESS[self.base_url], base_url=self.base_url) as control:
            return await control.request(method, path, json=json)


@pytest.fixture(scope="module")
def icecat_in_process() -> Iterator[InProcessSandbox]:
    sandbox = InProcessSandbox("http://icecat.asgi")
    IN_PROCESS[sandbox.base_url] = httpx.ASGITransport(app=create_app(parse_args([])))
    yield sandbox
    del IN_PROCESS[sandbox.base_url]


@pytest.fixture
def icecat_app(icecat_in_process: InProcessSandbox) -> InProcessSandbox:
    """The Icecat sandbox app in-process, fresh for this test."""
    icecat_in_process.reset()
    return icecat_in_process


def client_for(settings: IcecatSettings) -> IcecatClient:
    return IcecatClient(settings, transport=IN_PROCESS.get(settings.base_url))


def settings_for(sandbox: Sandbox, **changes: object) -> IcecatSettings:
    values: dict[str, object] = {
        "base_url": sandbox.base_url,
        "username": ICECAT_OPEN_USER,
        "retry": FAST_RETRY,
        "max_concurrency": 4,
    }
    return IcecatSettings(**{**values, **changes})


def full_settings(sandbox: Sandbox, **changes: object) -> IcecatSettings:
    return settings_for(
        sandbox, **{"username": ICECAT_FULL["username"], "app_key": ICECAT_FULL["app_key"], **changes}
    )


def lookup(settings: IcecatSettings, keys: ProductKeys, languages: list[str] | None = None) -> LookupResult:
    async def run() -> LookupResult:
        async with client_for(settings) as client:
            return await client.lookup(keys, languages or ["EN"])

    return asyncio.run(run())


def enrich_all(
    settings: IcecatSettings, products: dict[str, ProductKeys], languages: list[str]
) -> tuple[dict[str, LookupResult], IcecatClient]:
    async def run() -> tuple[dict[str, LookupResult], IcecatClient]:
        async with client_for(settings) as client:
            results = {
                identifier: result
                async for identifier, result in client.enrich_many(products.items(), languages)
            }
            return results, client

    return asyncio.run(run())


def test_found_by_gtin_normalized(icecat_app: InProcessSandbox) -> None:
    result = lookup(settings_for(icecat_app), DELL)
    assert (result.outcome, result.matched_by, result.icecat_id, result.languages) == (
        "found",
        "gtin",
        56195846,
        ["EN"],
    )
    assert result.records[0].mpn == "5587-9709" and result.records[0].features


def test_gtin_miss_falls_through_to_brand_and_mpn(icecat_app: InProcessSandbox) -> None:
    result = lookup(settings_for(icecat_app), BADEAN)
    assert (result.outcome, result.matched_by, result.icecat_id) == ("found", "brand_mpn", 29900045)
    assert icecat_app.counters()["by_lookup"] == {"gtin": 1, "brand_mpn": 1}


def test_found_by_icecat_id_alone(icecat_app: InProcessSandbox) -> None:
    result = lookup(settings_for(icecat_app), ProductKeys(icecat_id="131216629"))
    assert (result.outcome, result.matched_by, result.records[0].brand) == ("found", "icecat_id", "Jabra")


def test_not_in_icecat_after_every_key_missed(icecat_app: InProcessSandbox) -> None:
    result = lookup(settings_for(icecat_app), ONEPLUS)
    assert result.outcome == "not_in_icecat" and result.records == []
    assert "gtin: HTTP 404, Icecat error 8" in result.message and "brand_mpn: HTTP 404" in result.message


def test_non_sponsor_brand_needs_full_icecat_and_full_account_gets_it(icecat_app: InProcessSandbox) -> None:
    refused = lookup(settings_for(icecat_app), HILLS)
    assert refused.outcome == "full_icecat_required" and "Icecat error 9" in refused.message
    assert lookup(full_settings(icecat_app), HILLS).outcome == "found"
    assert (
        lookup(
            settings_for(icecat_app, username=ICECAT_FULL["username"], api_token=ICECAT_FULL["api_token"]), HILLS
        ).outcome
        == "found"
    )


def test_wrong_app_key_is_fatal_and_names_icecat_error(icecat_app: InProcessSandbox) -> None:
    result = lookup(full_settings(icecat_app, app_key="not-the-key"), DELL)
    assert result.outcome == "fatal_error" and "Icecat error 10" in result.message
    assert "not-the-key" not in result.message


@pytest.mark.parametrize(
    ("changes", "languages", "code"),
    [
        ({"username": "nobody-here"}, ["EN"], 3),  # unknown user
        ({"username": ICECAT_FULL["username"]}, ["EN"], 5),  # Full user without app_key nor token
        ({}, ["XX"], 2),  # unknown language
        ({}, ["INT"], 2),  # INT exists in XML only
    ],
)
def test_account_and_request_errors_are_fatal(
    icecat_app: InProcessSandbox, changes: dict, languages: list[str], code: int
) -> None:
    result = lookup(settings_for(icecat_app, **changes), DELL, languages)
    assert result.outcome == "fatal_error" and f"Icecat error {code}:" in result.message


def test_malformed_gtin_falls_through_to_the_next_key(icecat_app: InProcessSandbox) -> None:
    result = lookup(settings_for(icecat_app), ProductKeys(gtin="not-a-gtin", brand="DELL", mpn="5587-9709"))
    assert (result.outcome, result.matched_by) == ("found", "brand_mpn")


def test_dropped_connections_are_retried(icecat: Sandbox) -> None:
    icecat.faults(reset_rate=0.3, seed=5)
    products = {f"P{i}": keys for i, keys in enumerate([DELL, S7, JABRA, BADEAN] * 3)}
    results, client = enrich_all(
        settings_for(icecat, retry=RetryPolicy(max_attempts=10, base_delay=0.01, max_delay=0.02), breaker=PATIENT),
        products,
        ["EN"],
    )
    assert {r.outcome for r in results.values()} == {"found"}
    assert (
        icecat.counters()["injected_resets"] > 0
        and client.counters.retries >= icecat.counters()["injected_resets"]
    )


def test_no_identifiers_makes_no_call(icecat_app: InProcessSandbox) -> None:
    result = lookup(settings_for(icecat_app), ProductKeys(gtin="", brand="DELL"))
    assert result.outcome == "no_identifiers"
    assert icecat_app.counters()["requests"] == 0


def test_extra_languages_are_fetched_by_icecat_id(icecat_app: InProcessSandbox) -> None:
    result = lookup(settings_for(icecat_app), S7, ["EN", "DE"])
    assert result.languages == ["EN", "DE"]
    english, german = result.records
    assert next(f.name for f in german.features if f.feature_id == 944) == "Bildschirmdiagonale"
    assert next(f.name for f in english.features if f.feature_id == 944) == "Display diagonal"
    assert icecat_app.counters()["by_lookup"] == {"gtin": 1, "icecat_id": 1}


def test_server_errors_are_retried_until_found(icecat: Sandbox) -> None:
    icecat.faults(error_rate=0.5, seed=3)
    products = {f"P{i}": keys for i, keys in enumerate([DELL, S7, JABRA, BADEAN] * 3)}
    results, client = enrich_all(
        settings_for(icecat, retry=RetryPolicy(max_attempts=10, base_delay=0.01, max_delay=0.02), breaker=PATIENT),
        products,
        ["EN"],
    )
    assert {r.outcome for r in results.values()} == {"found"}
    assert client.counters.retries == icecat.counters()["injected_errors"] > 0


def test_persistent_server_errors_become_retryable_error(icecat: Sandbox) -> None:
    icecat.faults(error_rate=1.0)
    result = lookup(settings_for(icecat), DELL)
    assert result.outcome == "retryable_error" and "gave up after 5 attempts" in result.message
    assert icecat.counters()["injected_errors"] == FAST_RETRY.max_attempts


def test_throttling_halves_the_window_and_every_product_still_arrives(icecat: Sandbox) -> None:
    icecat.faults(concurrency_limit=2, latency_ms=20, retry_after=0)
    products = {f"P{i}": keys for i, keys in enumerate([DELL, S7, JABRA, BADEAN] * 5)}
    results, client = enrich_all(
        settings_for(
            icecat, max_concurrency=8, retry=RetryPolicy(max_attempts=20, base_delay=0.01, max_delay=0.05)
        ),
        products,
        ["EN"],
    )
    assert len(results) == 20 and {r.outcome for r in results.values()} == {"found"}
    server = icecat.counters()
    assert client.counters.throttled == server["throttled_429"] > 0
    assert client.limiter.decreases >= 1 and client.limiter.window <= 8
    assert server["max_concurrency_per_account"] <= 2


def test_second_run_is_served_from_cache_without_content_calls(icecat_app: InProcessSandbox, tmp_path: Path) -> None:
    settings = settings_for(icecat_app, cache_dir=str(tmp_path / "cache"))
    products = {"DELL": DELL, "S7": S7, "JABRA": JABRA}
    first, _ = enrich_all(settings, products, ["EN", "DE"])
    calls_after_first = icecat_app.counters()["by_route"]["api"]
    second, client = enrich_all(settings, products, ["EN", "DE"])
    assert icecat_app.counters()["by_route"]["api"] == calls_after_first
    assert client.counters.cache_hits == 3 and client.counters.requests == 0
    assert {k: (r.outcome, r.icecat_id, r.languages, r.from_cache) for k, r in second.items()} == {
        k: (r.outcome, r.icecat_id, r.languages, True) for k, r in first.items()
    }
    assert second["S7"].records == first["S7"].records


def test_damaged_or_outdated_stored_records_fall_back_to_the_cached_answer_and_are_rewritten(
    icecat_app: InProcessSandbox, tmp_path: Path
) -> None:
    settings = settings_for(icecat_app, cache_dir=str(tmp_path / "cache"))
    products = {"DELL": DELL, "JABRA": JABRA}
    first, _ = enrich_all(settings, products, ["EN", "DE"])
    database = tmp_path / "cache" / "cache.sqlite"
    with sqlite3.connect(database) as db:
        stored = db.execute("SELECT icecat_id, lang FROM content ORDER BY icecat_id, lang").fetchall()
        assert len(stored) == 4
        db.execute("UPDATE content SET record = x'00ff' WHERE icecat_id = ? AND lang = ?", stored[0])
        db.execute("UPDATE content SET normalizer = 'older' WHERE icecat_id = ? AND lang = ?", stored[1])
        db.execute("UPDATE content SET record = NULL WHERE icecat_id = ? AND lang = ?", stored[2])
    calls_after_first = icecat_app.counters()["by_route"]["api"]
    second, client = enrich_all(settings, products, ["EN", "DE"])
    assert icecat_app.counters()["by_route"]["api"] == calls_after_first and client.counters.cache_hits == 2
    assert {k: r.records for k, r in second.items()} == {k: r.records for k, r in first.items()}
    with sqlite3.connect(database) as db:
        assert {row[0] for row in db.execute("SELECT normalizer FROM content")} == {NORMALIZER_VERSION}


def test_product_changed_in_the_daily_index_is_fetched_again(icecat_app: InProcessSandbox, tmp_path: Path) -> None:
    settings = settings_for(icecat_app, cache_dir=str(tmp_path / "cache"))
    products = {"DELL": DELL, "JABRA": JABRA}
    enrich_all(settings, products, ["EN"])
    icecat_app.post("/_sandbox/mutate", {"icecat_ids": [56195846]})
    icecat_app.post("/_sandbox/index/generate")
    calls_before = icecat_app.counters()["by_lookup"].get("gtin", 0)
    results, client = enrich_all(settings, products, ["EN"])
    assert client.counters.cache_hits == 1 and not results["DELL"].from_cache and results["JABRA"].from_cache
    assert icecat_app.counters()["by_lookup"]["gtin"] == calls_before + 1


def test_data_creation_turns_not_in_icecat_into_found(icecat_app: InProcessSandbox) -> None:
    async def scenario() -> tuple[str, str, LookupResult]:
        async with client_for(settings_for(icecat_app)) as client:
            before = await client.lookup(ONEPLUS, ["EN"])
            request_id = await client.request_data_creation(ONEPLUS, "EN")
            await icecat_app.apost("/_sandbox/index/generate")
            return before.outcome, request_id, await client.lookup(ONEPLUS, ["EN"])

    before, request_id, after = asyncio.run(scenario())
    assert before == "not_in_icecat" and request_id
    assert (after.outcome, after.matched_by, after.records[0].mpn) == ("found", "gtin", "5011113506")


def test_daily_index_lists_changed_products(icecat_app: InProcessSandbox) -> None:
    icecat_app.post("/_sandbox/mutate", {"icecat_ids": [131216629]})
    icecat_app.post("/_sandbox/index/generate")

    async def index() -> dict:
        async with client_for(settings_for(icecat_app)) as client:
            return (await client.daily_index("EN")).updated

    assert list(asyncio.run(index())) == [131216629]


# --- pure parts ------------------------------------------------------------------------------------------


def test_window_starts_small_and_doubles_per_round_until_throttled() -> None:
    limiter = AdaptiveLimiter(64)
    assert limiter.limit == 4
    for _ in range(4):
        limiter.succeeded()
    assert limiter.limit == 8
    for _ in range(100):
        limiter.succeeded()
    assert limiter.limit == 64


def test_window_halves_once_per_burst_and_grows_back_slowly() -> None:
    limiter = AdaptiveLimiter(8, initial=8)
    limiter.throttled(epoch=0)
    limiter.throttled(epoch=0)  # same burst: no second halving
    assert limiter.limit == 4 and limiter.decreases == 1
    for _ in range(3):
        limiter.succeeded()
    assert limiter.limit == 4  # about one slot per window of successes, not one per success
    for _ in range(2):
        limiter.succeeded()
    assert limiter.limit == 5
    for _ in range(1000):
        limiter.succeeded()
    assert limiter.limit == 8


def test_retry_after_is_honoured() -> None:
    answers = iter(
        [
            httpx.Response(429, headers={"Retry-After": "1"}),
            httpx.Response(200, json={"msg": "OK", "data": {"GeneralInfo": {"IcecatId": 5}}}),
        ]
    )
    transport = httpx.MockTransport(lambda request: next(answers))
    settings = IcecatSettings("http://icecat.test", "u", retry=RetryPolicy(max_attempts=3, base_delay=0.0))

    sleeps: list[float] = []

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    async def run() -> LookupResult:
        async with IcecatClient(settings, transport=transport, sleep=sleep) as client:
            return await client.lookup(ProductKeys(icecat_id="5"), ["EN"])

    result = asyncio.run(run())
    assert result.outcome == "found" and sleeps == [1.0]


def test_transport_errors_end_as_retryable_error() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    settings = IcecatSettings("http://icecat.test", "u", retry=FAST_RETRY)

    async def run() -> tuple[LookupResult, int]:
        async with IcecatClient(settings, transport=httpx.MockTransport(refuse)) as client:
            return await client.lookup(DELL, ["EN"]), client.counters.requests

    result, requests = asyncio.run(run())
    assert result.outcome == "retryable_error" and "ConnectError" in result.message
    assert requests == FAST_RETRY.max_attempts


def test_enrich_many_streams_without_reading_all_input_first() -> None:
    pulled = 0

    def products() -> Iterator[tuple[str, ProductKeys]]:
        nonlocal pulled
        for i in range(1000):
            pulled += 1
            yield f"P{i}", ProductKeys(icecat_id=str(i + 1))

    def answer(request: httpx.Request) -> httpx.Response:
        icecat_id = int(request.url.params["icecat_id"])
        return httpx.Response(200, json={"msg": "OK", "data": {"GeneralInfo": {"IcecatId": icecat_id}}})

    settings = IcecatSettings("http://icecat.test", "u", max_concurrency=4)

    async def run() -> tuple[int, int]:
        async with IcecatClient(settings, transport=httpx.MockTransport(answer)) as client:
            stream = client.enrich_many(products(), ["EN"])
            await anext(stream)
            seen_at_first = pulled
            count = 1 + sum([1 async for _ in stream])
            return seen_at_first, count

    seen_at_first, count = asyncio.run(run())
    assert count == 1000
    assert seen_at_first <= 4 * 3 + 4


def mock_lookup(answer: Callable[[httpx.Request], httpx.Response], settings: IcecatSettings) -> LookupResult:
    async def run() -> LookupResult:
        async with IcecatClient(settings, transport=httpx.MockTransport(answer), sleep=no_wait) as client:
            return await client.lookup(ProductKeys(icecat_id="5"), ["EN"])

    return asyncio.run(run())


async def no_wait(seconds: float) -> None:
    return None


def test_a_200_that_is_not_json_is_named_without_copying_the_body() -> None:
    body = b'{"data": {"GeneralInfo": app_key=K3Y-secret'
    result = mock_lookup(lambda request: httpx.Response(200, content=body), IcecatSettings("http://icecat.test", "u"))
    assert result.outcome == "fatal_error"
    assert result.message == "icecat_id: Icecat answered HTTP 200 with a body that is not JSON (truncated at byte 25)"


def test_an_error_body_echoing_the_request_is_redacted() -> None:
    def echo(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, text=f"bad request {request.url} with token T0KEN")

    settings = IcecatSettings("http://icecat.test", "u", app_key="K3Y-secret", api_token="T0KEN")
    result = mock_lookup(echo, settings)
    assert result.outcome == "fatal_error" and "bad request http://icecat.test/api?***" in (result.message or "")
    assert "K3Y-secret" not in (result.message or "") and "T0KEN" not in (result.message or "")


def test_an_icecat_outage_opens_the_breaker_and_the_rest_fails_fast() -> None:
    calls = {"n": 0}

    def down(request: httpx.Request) -> httpx.Response:
        calls["n"] += 1
        return httpx.Response(503)

    settings = IcecatSettings(
        "http://icecat.test", "u", retry=FAST_RETRY, breaker=BreakerSettings(failure_threshold=8), max_concurrency=1
    )
    products = {f"P{i}": ProductKeys(icecat_id=str(i + 1)) for i in range(100)}

    async def run() -> dict[str, LookupResult]:
        async with IcecatClient(settings, transport=httpx.MockTransport(down), sleep=no_wait) as client:
            return {identifier: result async for identifier, result in client.enrich_many(products.items(), ["EN"])}

    results = asyncio.run(run())
    assert calls["n"] == 8 and len(results) == 100
    assert {result.outcome for result in results.values()} == {"retryable_error"}
    assert sum("Icecat unavailable (503 on 8 of 8 calls" in (r.message or "") for r in results.values()) == 99
