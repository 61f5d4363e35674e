"""Akeneo client against an in-process fake (httpx.MockTransport): auth, retries, paging, writes."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from icecat_akeneo.akeneo.client import AkeneoClient, AkeneoSettings
from icecat_akeneo.akeneo.errors import AkeneoAuthError, AkeneoError, AkeneoUnavailable, PaginationLoopError
from icecat_akeneo.breaker import BreakerSettings
from icecat_akeneo.retry import RetryPolicy

SETTINGS = AkeneoSettings(
    base_url="http://akeneo.test",
    client_id="cid",
    secret="s3cr3t-value",
    username="api",
    password="pa55word-value",
    retry=RetryPolicy(max_attempts=4, base_delay=0.01),
)
Handler = Callable[[httpx.Request], httpx.Response]


class FakeAkeneo:
    """Issues numbered tokens and delegates API routes to `routes`; records every request."""

    def __init__(self, routes: Handler, expires_in: int = 3600, refresh_ok: bool = True) -> None:
        self.routes = routes
        self.expires_in = expires_in
        self.refresh_ok = refresh_ok
        self.issued = 0
        self.valid: set[str] = set()
        self.grants: list[str] = []
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.path == "/api/oauth/v1/token":
            grant = json.loads(request.content)
            self.grants.append(grant["grant_type"])
            if grant["grant_type"] == "refresh_token" and not self.refresh_ok:
                return httpx.Response(
                    422, json={"code": 422, "message": "Refresh token is invalid or has expired"}
                )
            if grant.get("password", "pa55word-value") != "pa55word-value":
                return httpx.Response(
                    422, json={"code": 422, "message": "No user found for the given username and password"}
                )
            self.issued += 1
            token = f"token-{self.issued}"
            self.valid = {token}
            return httpx.Response(
                200,
                json={
                    "access_token": token,
                    "expires_in": self.expires_in,
                    "token_type": "bearer",
                    "scope": None,
                    "refresh_token": f"r{self.issued}",
                },
            )
        if request.headers.get("Authorization", "").removeprefix("Bearer ") not in self.valid:
            return httpx.Response(
                401, json={"code": 401, "message": "The access token provided has expired."}
            )
        return self.routes(request)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def run(
    fake: FakeAkeneo,
    work: Callable[[AkeneoClient], Any],
    settings: AkeneoSettings = SETTINGS,
    clock: Clock | None = None,
    sleeps: list[float] | None = None,
) -> Any:
    async def sleep(seconds: float) -> None:
        if sleeps is not None:
            sleeps.append(seconds)

    async def main() -> Any:
        async with AkeneoClient(
            settings, transport=httpx.MockTransport(fake), sleep=sleep, clock=clock or Clock()
        ) as client:
            return await work(client)

    return asyncio.run(main())


def product_route(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"identifier": request.url.path.rsplit("/", 1)[-1], "values": {}})


def test_one_token_serves_many_requests() -> None:
    fake = FakeAkeneo(product_route)

    async def work(client: AkeneoClient) -> dict:
        for sku in ("a", "b", "c"):
            await client.get_product(sku)
        return client.stats()

    stats = run(fake, work)
    assert fake.grants == ["password"]
    assert stats["requests"] == {"product_get": 3, "token": 1}


def test_token_is_renewed_with_the_refresh_grant_before_it_expires() -> None:
    fake, clock = FakeAkeneo(product_route, expires_in=100), Clock()

    async def work(client: AkeneoClient) -> None:
        await client.get_product("a")
        clock.now += 95  # inside the renewal margin (last 10% of the lifetime)
        await client.get_product("b")

    run(fake, work, clock=clock)
    assert fake.grants == ["password", "refresh_token"]
    assert all(r.headers.get("Authorization") != "Bearer token-1" for r in fake.requests[-1:])


def test_password_grant_again_when_the_refresh_token_is_refused() -> None:
    fake, clock = FakeAkeneo(product_route, expires_in=100, refresh_ok=False), Clock()

    async def work(client: AkeneoClient) -> dict | None:
        await client.get_product("a")
        clock.now += 200
        return await client.get_product("b")

    assert run(fake, work, clock=clock) == {"identifier": "b", "values": {}}
    assert fake.grants == ["password", "refresh_token", "password"]


def test_a_401_renews_the_token_and_replays_the_request() -> None:
    fake = FakeAkeneo(product_route)

    async def work(client: AkeneoClient) -> dict | None:
        await client.get_product("a")
        fake.valid = set()  # server revoked every token (e.g. restarted)
        return await client.get_product("b")

    assert run(fake, work) == {"identifier": "b", "values": {}}
    assert fake.grants == ["password", "refresh_token"]


def test_refused_credentials_fail_with_a_message_free_of_secrets() -> None:
    fake = FakeAkeneo(product_route)
    settings = dataclasses.replace(SETTINGS, password="wrong-pa55")
    with pytest.raises(AkeneoAuthError) as caught:
        run(fake, lambda client: client.get_product("a"), settings=settings)
    message = str(caught.value)
    assert "No user found" in message and "'api'" in message and "'cid'" in message
    assert "s3cr3t" not in message and "wrong-pa55" not in message and "s3cr3t" not in repr(settings)


def flaky(failures: list[httpx.Response]) -> Handler:
    def route(request: httpx.Request) -> httpx.Response:
        return failures.pop(0) if failures else product_route(request)

    return route


def test_429_waits_the_servers_retry_after() -> None:
    sleeps: list[float] = []
    fake = FakeAkeneo(flaky([httpx.Response(429, headers={"Retry-After": "3"})]))

    async def work(client: AkeneoClient) -> tuple[dict | None, dict]:
        return await client.get_product("a"), client.stats()

    product, stats = run(fake, work, sleeps=sleeps)
    assert product == {"identifier": "a", "values": {}}
    assert len(sleeps) == 1 and 3.0 <= sleeps[0] <= 3.5 and stats["retries"] == {"product_get": 1}


def test_429_without_retry_after_backs_off_with_jitter_below_the_ceiling() -> None:
    sleeps: list[float] = []
    fake = FakeAkeneo(flaky([httpx.Response(429), httpx.Response(429), httpx.Response(503)]))
    assert run(fake, lambda client: client.get_product("a"), sleeps=sleeps) == {
        "identifier": "a",
        "values": {},
    }
    assert len(sleeps) == 3
    assert all(0 <= delay <= 0.01 * 2**attempt for attempt, delay in enumerate(sleeps))


def test_retries_are_bounded_and_the_error_names_the_request() -> None:
    fake = FakeAkeneo(
        lambda request: httpx.Response(503, json={"code": 503, "message": "down for maintenance"})
    )
    with pytest.raises(
        AkeneoError, match=r"GET /api/rest/v1/products/a answered HTTP 503: down for maintenance"
    ):
        run(fake, lambda client: client.get_product("a"))
    assert sum(1 for r in fake.requests if r.url.path.endswith("/a")) == SETTINGS.retry.max_attempts


def test_a_timeout_is_retried() -> None:
    calls = {"n": 0}

    def route(request: httpx.Request) -> httpx.Response:
        calls["n"] += 1
        if calls["n"] == 1:
            raise httpx.ReadTimeout("slow", request=request)
        return product_route(request)

    assert run(FakeAkeneo(route), lambda client: client.get_product("a"))["identifier"] == "a"
    assert calls["n"] == 2


def test_unknown_product_is_none() -> None:
    fake = FakeAkeneo(
        lambda request: httpx.Response(404, json={"code": 404, "message": 'Product "x" does not exist'})
    )
    assert run(fake, lambda client: client.get_product("x")) is None


def paged_products(pages: list[list[str]], loop: bool = False) -> Handler:
    def route(request: httpx.Request) -> httpx.Response:
        cursor = int(request.url.params.get("search_after", "0"))
        body: dict[str, Any] = {
            "_links": {},
            "_embedded": {"items": [{"identifier": i} for i in pages[cursor]]},
        }
        if cursor + 1 < len(pages):
            following = 1 if loop else cursor + 1
            body["_links"]["next"] = {
                "href": f"http://akeneo.test/api/rest/v1/products?search_after={following}"
            }
        return httpx.Response(200, json=body)

    return route


async def collect(client: AkeneoClient, **kwargs: Any) -> list[list[str]]:
    return [[p["identifier"] for p in page] async for page in client.iter_product_pages({}, **kwargs)]


def test_product_pages_follow_next_links_until_the_last_page() -> None:
    fake = FakeAkeneo(paged_products([["a", "b"], ["c", "d"], ["e"]]))
    assert run(fake, lambda client: collect(client, scope="ecommerce", locales=["en_US", "de_DE"])) == [
        ["a", "b"],
        ["c", "d"],
        ["e"],
    ]
    first = next(r for r in fake.requests if r.url.path == "/api/rest/v1/products")
    assert first.url.params["pagination_type"] == "search_after"
    assert first.url.params["scope"] == "ecommerce" and first.url.params["locales"] == "en_US,de_DE"
    assert first.url.params["limit"] == "100"


def test_a_search_by_identifiers_stops_once_every_product_came_without_asking_for_an_empty_page() -> None:
    """Akeneo links a next page after every full page: `identifier IN [a, b, c, d]` on pages of 2 is 2
    requests, not 3 (the read-backs and completeness reads search 100 identifiers at a time)."""
    fake = FakeAkeneo(paged_products([["a", "b"], ["c", "d"], []]))
    search = {"identifier": [{"operator": "IN", "value": ["a", "b", "c", "d"]}]}

    async def pages(client: AkeneoClient) -> list[list[str]]:
        return [[p["identifier"] for p in page] async for page in client.iter_product_pages(search)]

    assert run(fake, pages) == [["a", "b"], ["c", "d"]]
    assert sum(r.url.path == "/api/rest/v1/products" for r in fake.requests) == 2


def test_a_repeated_next_link_fails_instead_of_looping_forever() -> None:
    fake = FakeAkeneo(paged_products([["a"], ["b"], ["c"]], loop=True))
    with pytest.raises(PaginationLoopError, match="search_after=1"):
        run(fake, collect)


def lines_route(request: httpx.Request) -> httpx.Response:
    answers = []
    for number, raw in enumerate(request.content.decode().split("\n"), start=1):
        line = json.loads(raw)
        status = 422 if "bad" in line["identifier"] else 204
        answer = {"line": number, "identifier": line["identifier"], "status_code": status}
        if status == 422:
            answer |= {
                "message": "Validation failed.",
                "errors": [
                    {
                        "property": "values",
                        "message": "too long",
                        "attribute": "name",
                        "locale": "en_US",
                        "scope": None,
                    }
                ],
            }
        answers.append(json.dumps(answer))
    return httpx.Response(
        200, text="\n".join(answers), headers={"Content-Type": "application/vnd.akeneo.collection+json"}
    )


def test_collection_patch_returns_every_line_status_and_keeps_multiline_text_on_one_line() -> None:
    fake = FakeAkeneo(lines_route)
    description = "first line\nsecond line\u2028third\u2029fourth\u0085fifth"
    lines = [
        {
            "identifier": "ok-1",
            "values": {"description": [{"locale": "en_US", "scope": "ecommerce", "data": description}]},
        },
        {"identifier": "bad-2", "values": {}},
        {"identifier": "ok-3"},
    ]
    results = run(fake, lambda client: client.patch_products(lines))
    assert [(r.line, r.identifier, r.status_code, r.ok) for r in results] == [
        (1, "ok-1", 204, True),
        (2, "bad-2", 422, False),
        (3, "ok-3", 204, True),
    ]
    assert results[1].detail == "Validation failed. [name/en_US] too long"
    sent = [r for r in fake.requests if r.method == "PATCH"][0]
    assert sent.headers["Content-Type"] == "application/vnd.akeneo.collection+json"
    assert len(sent.content.decode().splitlines()) == 3
    assert (
        json.loads(sent.content.decode().splitlines()[0])["values"]["description"][0]["data"] == description
    )


def test_more_than_100_lines_are_refused_before_anything_is_sent() -> None:
    fake = FakeAkeneo(lines_route)
    with pytest.raises(ValueError, match="at most 100 lines.*got 101"):
        run(fake, lambda client: client.patch_products([{"identifier": str(i)} for i in range(101)]))
    assert not [r for r in fake.requests if r.method == "PATCH"]


def test_whole_request_errors_of_a_collection_patch_are_raised() -> None:
    fake = FakeAkeneo(
        lambda request: httpx.Response(
            415, json={"code": 415, "message": '"text/plain" in "Content-Type" header is not valid.'}
        )
    )
    with pytest.raises(AkeneoError, match="PATCH /api/rest/v1/products answered HTTP 415"):
        run(fake, lambda client: client.patch_products([{"identifier": "a"}]))


def test_a_batch_retried_after_a_503_reports_its_attempts() -> None:
    failures = [httpx.Response(503)]
    fake = FakeAkeneo(lambda request: failures.pop(0) if failures else lines_route(request))
    results = run(fake, lambda client: client.patch_products([{"identifier": "a"}]))
    assert results[0].ok and results[0].attempts == 2


def test_media_upload_returns_the_media_code_from_location() -> None:
    def route(request: httpx.Request) -> httpx.Response:
        assert request.headers["Content-Type"].startswith("multipart/form-data")
        assert b'"attribute": "main_image"' in request.content and b"PNGDATA" in request.content
        return httpx.Response(
            201, headers={"Location": "http://akeneo.test/api/rest/v1/media-files/a/b/c/d/abcdef_photo.png"}
        )

    result = run(
        FakeAkeneo(route),
        lambda client: client.upload_media("sku-1", "main_image", None, None, "photo.png", b"PNGDATA"),
    )
    assert (result.status_code, result.message) == (201, "a/b/c/d/abcdef_photo.png")


def test_media_upload_refusal_is_returned_with_akeneos_message_and_errors() -> None:
    error = {"attribute": "user_manual", "locale": None, "scope": None,
             "message": "The file extension is not allowed (allowed extensions: pdf)."}
    route = lambda request: httpx.Response(  # noqa: E731
        422, json={"code": 422, "message": "Validation failed.", "errors": [error]})
    result = run(FakeAkeneo(route), lambda client: client.upload_media("x", "user_manual", None, None, "p", b"1"))
    assert (result.status_code, result.message, result.errors) == (422, "Validation failed.", [error])
    assert result.detail == f"Validation failed. [user_manual] {error['message']}"


def test_taxonomy_pages_every_list_and_reads_options_of_select_attributes_only() -> None:
    attributes = [
        {"code": "color", "type": "pim_catalog_simpleselect"},
        {"code": "name", "type": "pim_catalog_text"},
        {"code": "wifi", "type": "pim_catalog_multiselect"},
    ]

    def route(request: httpx.Request) -> httpx.Response:
        path, page = request.url.path, int(request.url.params.get("page", "1"))
        if path == "/api/rest/v1/attributes":
            body = {
                "_links": {"next": {"href": "http://akeneo.test/api/rest/v1/attributes?page=2"}}
                if page == 1
                else {},
                "_embedded": {"items": attributes[:2] if page == 1 else attributes[2:]},
            }
            return httpx.Response(200, json=body)
        if path.endswith("/options"):
            code = path.split("/")[-2]
            return httpx.Response(
                200, json={"_links": {}, "_embedded": {"items": [{"code": "x", "attribute": code}]}}
            )
        if path == "/api/rest/v1/measurement-families":
            return httpx.Response(200, json=[{"code": "Weight"}])
        return httpx.Response(
            200, json={"_links": {}, "_embedded": {"items": [{"code": path.rsplit("/", 1)[-1]}]}}
        )

    taxonomy = run(FakeAkeneo(route), lambda client: client.get_taxonomy())
    assert [a["code"] for a in taxonomy["attributes"]] == ["color", "name", "wifi"]
    assert set(taxonomy["attribute_options"]) == {"color", "wifi"}
    assert taxonomy["measurement_families"] == [{"code": "Weight"}]
    assert taxonomy["channels"] == [{"code": "channels"}] and taxonomy["currencies"] == [
        {"code": "currencies"}
    ]
    only_color = run(FakeAkeneo(route), lambda client: client.get_taxonomy(["color"]))
    assert [a["code"] for a in only_color["attributes"]] == ["color"] and list(
        only_color["attribute_options"]
    ) == ["color"]


def test_concurrency_never_exceeds_the_setting() -> None:
    in_flight = {"now": 0, "max": 0}

    class SlowTransport(httpx.AsyncBaseTransport):
        def __init__(self, fake: FakeAkeneo) -> None:
            self.fake = fake

        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            await request.aread()
            in_flight["now"] += 1
            in_flight["max"] = max(in_flight["max"], in_flight["now"])
            await asyncio.sleep(0.005)
            in_flight["now"] -= 1
            return self.fake(request)

    async def main() -> None:
        settings = dataclasses.replace(SETTINGS, max_concurrency=3)
        async with AkeneoClient(settings, transport=SlowTransport(FakeAkeneo(product_route))) as client:
            await asyncio.gather(*(client.get_product(str(i)) for i in range(20)))

    asyncio.run(main())
    assert in_flight["max"] == 3


def test_an_outage_of_the_token_endpoint_is_unavailable_not_refused_credentials() -> None:
    def down(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503, json={"code": 503, "message": "maintenance"})

    with pytest.raises(AkeneoUnavailable) as caught:
        run(down, lambda client: client.check_credentials())
    assert not isinstance(caught.value, AkeneoAuthError)
    assert str(caught.value).startswith("Akeneo unavailable (503 on 4 of 4 calls since ")
    assert "credentials" not in str(caught.value)


def test_refused_connections_are_unavailable_and_name_the_request() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with pytest.raises(AkeneoUnavailable, match=r"ConnectError on 4 of 4 calls .*POST /api/oauth/v1/token"):
        run(refuse, lambda client: client.get_product("a"))


def test_the_breaker_stops_sending_after_k_failures_and_the_rest_fails_fast() -> None:
    fake = FakeAkeneo(lambda request: httpx.Response(503, json={"code": 503, "message": "down"}))
    settings = dataclasses.replace(SETTINGS, breaker=BreakerSettings(failure_threshold=6, cooldown_s=60))

    async def work(client: AkeneoClient) -> list[str]:
        messages = []
        for identifier in ("a", "b", "c", "d"):
            try:
                await client.get_product(identifier)
            except AkeneoUnavailable as exc:
                messages.append(str(exc))
        return messages

    messages = run(fake, work, settings=settings)
    sent = [r.url.path.rsplit("/", 1)[-1] for r in fake.requests if "/products/" in r.url.path]
    assert sent == ["a"] * 4 + ["b"] * 2  # the 6th failure opened the breaker; c and d were never sent
    assert messages[0].startswith("Akeneo unavailable (503 on 4 of 4 calls since ")
    assert len(messages) == 4 and all(m.startswith("Akeneo unavailable (503 on 6 of 6 calls") for m in messages[1:])
    assert messages[-1].endswith("not sending while the API is down")


def test_a_server_error_body_never_carries_a_secret_into_the_message() -> None:
    echo = "bad request from cid:s3cr3t-value at http://akeneo.test/x?password=pa55word-value"
    fake = FakeAkeneo(lambda request: httpx.Response(500, json={"code": 500, "message": echo}))
    with pytest.raises(AkeneoUnavailable) as caught:
        run(fake, lambda client: client.get_product("a"))
    assert "s3cr3t-value" not in str(caught.value) and "pa55word-value" not in str(caught.value)
