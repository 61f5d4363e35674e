"""API technical tests against the Akeneo sandbox: every checklist line answered with evidence."""

from __future__ import annotations

import asyncio

import pytest
from icecat_akeneo.akeneo.client import AkeneoClient, AkeneoSettings
from icecat_akeneo.preflight.api_session import ProbeTargets
from icecat_akeneo.preflight.api_tests import run_api_tests
from icecat_akeneo.preflight.api_writes import UTF8_SAMPLE

from tests.conftest import Sandbox
from tests.fixtures.preflight.support import akeneo_settings

TARGETS = ProbeTargets(
    family="laptops",
    channel="ecommerce",
    locales=("en_US", "de_DE", "fr_FR", "es_ES"),
    text_attribute="description",
    image_attribute="main_image",
)


async def _checks(settings: AkeneoSettings, targets: ProbeTargets) -> list:
    async with AkeneoClient(settings) as client:
        taxonomy = await client.get_taxonomy()
    return await run_api_tests(settings, targets, taxonomy)


async def _run(settings: AkeneoSettings) -> dict:
    """Check results by name, plus `left_behind`: the test product as GET answers it after the suite."""
    results = {result.name: result for result in await _checks(settings, TARGETS)}
    async with AkeneoClient(settings) as client:
        return {**results, "left_behind": await client.get_product(TARGETS.identifier)}


@pytest.fixture(scope="module")
def results(akeneo_server: Sandbox) -> dict:
    """One run of the whole suite (it takes seconds), shared by the assertions below."""
    akeneo_server.reset()
    akeneo_server.faults(concurrency_limit=4, latency_ms=30, retry_after=2)
    try:
        return asyncio.run(_run(akeneo_settings(akeneo_server)))
    finally:
        akeneo_server.reset()


def test_every_check_passes_on_a_healthy_pim(results: dict) -> None:
    failed = {
        name: result.evidence
        for name, result in results.items()
        if name != "left_behind" and not result.passed
    }
    assert not failed


def test_the_products_api_mode_is_reported(results: dict) -> None:
    """The sandbox answers as Akeneo 7.0: the runs will use /products-uuid."""
    assert results["products_api_mode"].evidence == {"mode": "uuid", "edition": "CE", "version": "7.0.50",
                                                     "decided_by": "system-information",
                                                     "system_information_status": 200}


def test_concurrency_ramp_stops_at_the_first_429(results: dict) -> None:
    evidence = results["rate_and_concurrency"].evidence
    assert evidence["max_concurrency_without_429"] == 4
    assert evidence["first_429_at"] == 8
    assert results["retry_backoff_observed"].evidence["retry_after_values"] == ["2"]


def test_batch_of_101_lines_is_refused_with_413(results: dict) -> None:
    assert results["batch_100_lines"].evidence["lines_answered"] == 100
    assert results["batch_101_lines"].evidence["status_code"] == 413


def test_every_locale_and_utf8_value_reads_back(results: dict) -> None:
    assert results["locales_scopes_round_trip"].evidence["written"] == [
        "en_US/ecommerce",
        "de_DE/ecommerce",
        "fr_FR/ecommerce",
        "es_ES/ecommerce",
    ]
    assert results["utf8_round_trip"].evidence["read_back"] == UTF8_SAMPLE


def test_the_test_product_is_gone_afterwards(results: dict) -> None:
    assert results["test_product_created"].evidence["status_code"] == 201
    assert results["test_product_cleaned_up"].evidence["method"] == "DELETE"
    assert results["left_behind"] is None


def test_wrong_password_fails_the_grant_and_stops(akeneo: Sandbox) -> None:
    results = asyncio.run(run_api_tests(akeneo_settings(akeneo, password="wrong"), TARGETS, {}))
    assert [(result.name, result.passed) for result in results] == [
        ("oauth_password_grant", False),
        ("oauth_refresh_grant", False),
    ]
    assert results[0].evidence["status_code"] == 422


def test_a_one_line_text_attribute_gets_the_utf8_sample_without_line_breaks(akeneo: Sandbox) -> None:
    targets = ProbeTargets(channel="ecommerce", locales=("fr_FR",), text_attribute="name")
    results = {result.name: result for result in asyncio.run(_checks(akeneo_settings(akeneo), targets))}
    evidence = results["utf8_round_trip"].evidence
    assert results["utf8_round_trip"].passed and "\n" not in evidence["read_back"]
    assert (
        "中文" in evidence["read_back"] and "עברית" in evidence["read_back"] and "🚀" in evidence["read_back"]
    )
