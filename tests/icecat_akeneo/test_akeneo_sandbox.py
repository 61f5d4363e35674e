"""The Akeneo client and hook against the Akeneo sandbox: real tokens, real 429s, real writes."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from icecat_akeneo.akeneo.client import AkeneoClient, AkeneoSettings
from icecat_akeneo.hooks.akeneo import AkeneoHook
from icecat_akeneo.retry import RetryPolicy

from tests.conftest import AKENEO_CREDENTIALS, Sandbox

DEMO_PRODUCTS = [f"DEMO-{name}" for name in ("DELL-G5", "SAMSUNG-S25", "LENOVO-TAB", "PHILIPS-MON", "IIYAMA")]


def run(
    sandbox: Sandbox,
    work: Callable[[AkeneoClient], Awaitable[Any]],
    sleeps: list[float] | None = None,
    **changes: Any,
) -> Any:
    settings = AkeneoSettings(
        base_url=sandbox.base_url,
        **AKENEO_CREDENTIALS,
        **{"retry": RetryPolicy(max_attempts=8, base_delay=0.05), **changes},
    )

    async def sleep(seconds: float) -> None:
        if sleeps is not None:
            sleeps.append(seconds)
        await asyncio.sleep(seconds)

    async def main() -> Any:
        async with AkeneoClient(settings, sleep=sleep) as client:
            return await work(client)

    return asyncio.run(main())


def test_an_expiring_token_is_refreshed_before_the_server_rejects_it(akeneo: Sandbox) -> None:
    akeneo.faults(token_ttl=1)

    async def work(client: AkeneoClient) -> dict:
        await client.get_product("DEMO-DELL-G5")
        await asyncio.sleep(1.0)
        assert (await client.get_product("DEMO-DELL-G5"))["identifier"] == "DEMO-DELL-G5"
        return client.stats()

    stats = run(akeneo, work)
    assert stats["token_grants"] == {"password": 1, "refresh_token": 1}
    assert stats["requests"]["product_get"] == 2  # renewed ahead of time: no 401, no replay


async def get_all(client: AkeneoClient) -> list[str]:
    products = await asyncio.gather(*(client.get_product(identifier) for identifier in DEMO_PRODUCTS))
    return [product["identifier"] for product in products]


def test_429_with_retry_after_is_waited_out(akeneo: Sandbox) -> None:
    akeneo.faults(concurrency_limit=1, retry_after=1, latency_ms=50, seed=3)
    sleeps: list[float] = []
    assert run(akeneo, get_all, sleeps, max_concurrency=4) == DEMO_PRODUCTS
    assert sleeps and all(1.0 <= delay <= 1.5 for delay in sleeps)


def test_429_without_retry_after_backs_off_and_succeeds(akeneo: Sandbox) -> None:
    akeneo.faults(concurrency_limit=1, latency_ms=50, seed=3)
    sleeps: list[float] = []
    assert run(akeneo, get_all, sleeps, max_concurrency=4) == DEMO_PRODUCTS
    assert sleeps and all(0 <= delay <= 0.05 * 2**7 for delay in sleeps)


def test_concurrency_setting_keeps_the_server_below_its_limit(akeneo: Sandbox) -> None:
    akeneo.faults(concurrency_limit=2, latency_ms=50)
    sleeps: list[float] = []
    assert run(akeneo, get_all, sleeps, max_concurrency=2) == DEMO_PRODUCTS
    assert sleeps == [] and akeneo.counters()["max_concurrency"] <= 2


def test_single_patch_answers_like_a_line(akeneo: Sandbox) -> None:
    async def work(client: AkeneoClient) -> tuple:
        good = await client.patch_product(
            "DEMO-DELL-G5",
            {"values": {"marketing_claim": [{"locale": "en_US", "scope": None, "data": "Gaming"}]}},
        )
        bad = await client.patch_product(
            "DEMO-DELL-G5", {"values": {"color": [{"locale": None, "scope": None, "data": "purple"}]}}
        )
        return good, bad

    good, bad = run(akeneo, work)
    assert (good.status_code, good.ok) == (204, True)
    assert bad.status_code == 422 and "color" in (bad.detail or "")


def test_taxonomy_writes_for_the_mapping_options(akeneo: Sandbox) -> None:
    async def work(client: AkeneoClient) -> tuple:
        created = await client.create_attribute(
            {
                "code": "icecat_screen_size",
                "type": "pim_catalog_text",
                "group": "other",
                "localizable": False,
                "scopable": False,
            }
        )
        options = await client.patch_attribute_options(
            "color",
            [
                {"code": "purple", "attribute": "color", "labels": {"en_US": "Purple"}},
                {"code": "black", "attribute": "color", "labels": {"en_US": "Black"}},
            ],
        )
        family = await client.patch_family("laptops", {"labels": {"en_US": "Laptops & notebooks"}})
        taxonomy = await client.get_taxonomy(["color", "icecat_screen_size"])
        return created, options, family, taxonomy

    created, options, family, taxonomy = run(akeneo, work)
    assert created.status_code == 201, created.detail
    assert [(o.identifier, o.status_code) for o in options] == [("purple", 201), ("black", 204)]
    assert family.ok, family.detail
    assert {a["code"] for a in taxonomy["attributes"]} == {"color", "icecat_screen_size"}
    assert "purple" in {o["code"] for o in taxonomy["attribute_options"]["color"]}


def use_sandbox_connection(monkeypatch: pytest.MonkeyPatch, sandbox: Sandbox, password: str) -> None:
    monkeypatch.setenv(
        "AIRFLOW_CONN_AKENEO_TEST",
        json.dumps(
            {
                "conn_type": "akeneo",
                "host": sandbox.base_url,
                "login": AKENEO_CREDENTIALS["username"],
                "password": password,
                "extra": {
                    "client_id": AKENEO_CREDENTIALS["client_id"],
                    "secret": AKENEO_CREDENTIALS["secret"],
                },
            }
        ),
    )


def test_hook_connection_test_passes_with_good_credentials(
    akeneo: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_sandbox_connection(monkeypatch, akeneo, AKENEO_CREDENTIALS["password"])
    assert AkeneoHook("akeneo_test").test_connection() == (
        True,
        f"Authenticated on {akeneo.base_url} as 'sandbox_user'",
    )


def test_hook_connection_test_explains_refused_credentials(
    akeneo: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_sandbox_connection(monkeypatch, akeneo, "wrong-password-value")
    ok, message = AkeneoHook("akeneo_test").test_connection()
    assert not ok and "No user found for the given username and password" in message
    assert "wrong-password-value" not in message and AKENEO_CREDENTIALS["secret"] not in message
