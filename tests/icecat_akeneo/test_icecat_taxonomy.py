"""Option 3: `icecat_*` attributes planned from Icecat samples, created idempotently in the Akeneo sandbox."""
from __future__ import annotations

import asyncio

import pytest

from icecat_akeneo.akeneo.client import AkeneoClient, AkeneoSettings
from icecat_akeneo.preflight import taxonomy as t
from icecat_akeneo.preflight.icecat_taxonomy import Pacer, apply_plan, attribute_code, plan_icecat_taxonomy
from tests.conftest import AKENEO_CREDENTIALS, Sandbox
from tests.fixtures.preflight.records import load_json, sample_records

LANGUAGES = {"EN": "en_US", "DE": "de_DE"}


@pytest.fixture(scope="module")
def plan():
    return plan_icecat_taxonomy(sample_records(), LANGUAGES, load_json("suggest_taxonomy.json"), families=["laptops"])


def planned(plan, feature_id: int):
    return next(attribute for attribute in plan.attributes if attribute.source == f"feature:{feature_id}")


def test_attribute_codes_are_stable_ids_with_a_readable_slug() -> None:
    assert attribute_code(944, "Display diagonal") == "icecat_944_display_diagonal"
    assert attribute_code(1112, "Operating temperature (T-T)") == "icecat_1112_operating_temperature_t_t"
    assert len(attribute_code(1, "x" * 300)) == 100


def test_types_follow_feature_types_and_measurement_families(plan) -> None:
    diagonal = planned(plan, 944).body
    assert (diagonal["type"], diagonal["metric_family"], diagonal["default_metric_unit"]) == (t.METRIC, "Length", "INCH")
    assert planned(plan, 909).body["type"] == t.NUMBER                # mAh: no family holds it
    assert planned(plan, 909).body["labels"]["en_US"] == "Battery capacity (mAh)"
    assert planned(plan, 2183).body["type"] == t.BOOLEAN
    assert planned(plan, 1766).body["type"] == t.SIMPLESELECT
    assert planned(plan, 432).body["type"] == t.MULTISELECT
    assert planned(plan, 1112).body["type"] == t.TEXT and planned(plan, 1112).body["localizable"]


def test_labels_and_option_labels_exist_in_every_configured_locale(plan) -> None:
    for attribute in plan.attributes:
        assert set(attribute.body["labels"]) == {"en_US", "de_DE"}
        for option in attribute.options:
            assert set(option["labels"]) == {"en_US", "de_DE"}
    colour = {option["code"]: option["labels"] for option in planned(plan, 1766).options}
    assert colour["black"] == {"en_US": "Black", "de_DE": "Schwarz"}
    assert planned(plan, 944).body["labels"]["de_DE"] == "Bildschirmdiagonale"


def test_mapping_fields_cover_every_planned_attribute(plan) -> None:
    fields = plan.mapping_fields()
    assert {"source": "feature:944", "attribute": "icecat_944_display_diagonal"} in fields
    assert len(fields) == len(plan.attributes) == 35


def test_pacer_keeps_option_calls_under_the_rate_limit() -> None:
    now = [0.0]

    async def fake_sleep(seconds: float) -> None:
        now[0] += seconds

    async def five_calls() -> list[float]:
        pacer = Pacer(3.0, clock=lambda: now[0], sleep=fake_sleep)
        times = []
        for _ in range(5):
            await pacer.wait()
            times.append(now[0])
        return times

    times = asyncio.run(five_calls())
    assert all(later - earlier >= 1 / 3 - 1e-9 for earlier, later in zip(times, times[1:]))


def _settings(akeneo: Sandbox) -> AkeneoSettings:
    return AkeneoSettings(base_url=akeneo.base_url, **AKENEO_CREDENTIALS)


async def _apply_twice_then_patch_twice(akeneo: Sandbox, plan) -> tuple[dict, dict, list, dict, dict]:
    async with AkeneoClient(_settings(akeneo)) as client:
        first = await apply_plan(client, plan, Pacer(50.0))
        second = await apply_plan(client, plan, Pacer(50.0))
        before = await client.get_taxonomy()
        values = {
            "icecat_944_display_diagonal": [{"locale": None, "scope": None, "data": {"amount": "15.6", "unit": "INCH"}}],
            "icecat_2183_bluetooth": [{"locale": None, "scope": None, "data": True}],
            "icecat_1766_product_colour": [{"locale": None, "scope": None, "data": "black"}],
            "icecat_432_wi_fi_standards": [{"locale": None, "scope": None, "data": ["wi_fi_5_802_11ac", "802_11a"]}],
            "icecat_1112_operating_temperature_t_t": [
                {"locale": "en_US", "scope": None, "data": "0 - 35"}, {"locale": "de_DE", "scope": None, "data": "0 - 35"}],
        }
        results = [await client.patch_products([{"identifier": "DEMO-DELL-G5", "values": values}]) for _ in range(2)]
        product = await client.get_product("DEMO-DELL-G5")
        after = await client.get_taxonomy()
    return first, second, results, product, {"before": before, "after": after}


def test_apply_twice_creates_nothing_the_second_time_and_values_load_twice(akeneo: Sandbox, plan) -> None:
    first, second, results, product, taxonomies = asyncio.run(_apply_twice_then_patch_twice(akeneo, plan))
    assert first["attributes"] == {"created": 35, "skipped": 0, "failed": 0}, first["failures"]
    assert first["options"]["created"] > 0 and first["families"]["created"] == 1
    assert second["attributes"] == {"created": 0, "skipped": 35, "failed": 0}
    assert second["options"]["created"] == 0 and second["options"]["skipped"] == first["options"]["created"]
    assert second["families"] == {"created": 0, "skipped": 1, "failed": 0}
    assert [line.status_code for batch in results for line in batch] == [204, 204]
    assert product["values"]["icecat_1766_product_colour"][0]["data"] == "black"
    assert taxonomies["before"] == taxonomies["after"]
