"""Option 3: `icecat_*` attributes planned from Icecat samples, created idempotently in the Akeneo sandbox."""

from __future__ import annotations

import asyncio

import pytest
from icecat_akeneo.akeneo.client import AkeneoClient
from icecat_akeneo.catalog import taxonomy as t
from icecat_akeneo.mapping import ClientMapping
from icecat_akeneo.preflight.icecat_taxonomy import Pacer, apply_plan, attribute_code, plan_icecat_taxonomy
from icecat_akeneo.steps.transform import desired_values

from tests.conftest import Sandbox
from tests.fixtures.preflight.support import (
    akeneo_settings,
    demo_document,
    load_json,
    mapping_of,
    sample_records,
)

LANGUAGES = {"EN": "en_US", "DE": "de_DE"}


@pytest.fixture(scope="module")
def plan():
    return plan_icecat_taxonomy(
        sample_records(), LANGUAGES, load_json("suggest_taxonomy.json"), families=["laptops"]
    )


def planned(plan, feature_id: int):
    return next(attribute for attribute in plan.attributes if attribute.source == f"feature:{feature_id}")


def test_attribute_codes_are_stable_ids_with_a_readable_slug() -> None:
    assert attribute_code(944, "Display diagonal") == "icecat_944_display_diagonal"
    assert attribute_code(1112, "Operating temperature (T-T)") == "icecat_1112_operating_temperature_t_t"
    assert len(attribute_code(1, "x" * 300)) == 100


def test_types_follow_feature_types_and_measurement_families(plan) -> None:
    diagonal = planned(plan, 944).body
    assert (diagonal["type"], diagonal["metric_family"], diagonal["default_metric_unit"]) == (
        t.METRIC,
        "Length",
        "INCH",
    )
    assert planned(plan, 909).body["type"] == t.NUMBER  # mAh: no family holds it
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


def test_option_codes_follow_the_first_mapped_language_the_transform_reads() -> None:
    german_first = plan_icecat_taxonomy(sample_records(), {"DE": "de_DE", "EN": "en_US"}, {})
    colour = {option["code"]: option["labels"] for option in planned(german_first, 1766).options}
    assert colour["schwarz"] == {"de_DE": "Schwarz", "en_US": "Black"}
    assert planned(german_first, 1766).code == "icecat_1766_product_colour"  # codes stay English


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
    assert all(later - earlier >= 1 / 3 - 1e-9 for earlier, later in zip(times, times[1:], strict=False))


# the fixture's three sampled products, attached to demo products of the sandbox
PRODUCTS = {10001: "DEMO-DELL-G5", 10002: "DEMO-SAMSUNG-S25", 10003: "DEMO-PHILIPS-MON"}


def option3_mapping(plan) -> ClientMapping:
    """The demo client switched to option 3: its fields are the ones the plan implies."""
    document = demo_document()
    document.update(mapping_option="icecat_taxonomy", fields=plan.mapping_fields())
    return mapping_of(document, "demo_option3.yaml")


async def _apply_twice_then_sync_twice(akeneo: Sandbox, plan) -> dict:
    records = sample_records()
    async with AkeneoClient(akeneo_settings(akeneo)) as client:
        first = await apply_plan(client, plan, Pacer(50.0))
        second = await apply_plan(client, plan, Pacer(50.0))
        before = await client.get_taxonomy()
        lines, rejected = [], []
        for icecat_id, identifier in PRODUCTS.items():
            values, _, rejections = desired_values(
                [record for record in records if record.icecat_id == icecat_id], option3_mapping(plan), before
            )
            lines.append({"identifier": identifier, "values": values})
            rejected += rejections
        syncs = [await client.patch_products(lines) for _ in range(2)]
        product = await client.get_product("DEMO-DELL-G5")
        after = await client.get_taxonomy()
    return {
        "first": first,
        "second": second,
        "rejected": rejected,
        "syncs": syncs,
        "product": product,
        "before": before,
        "after": after,
    }


def test_apply_twice_creates_nothing_the_second_time_and_two_syncs_create_nothing(
    akeneo: Sandbox, plan
) -> None:
    run = asyncio.run(_apply_twice_then_sync_twice(akeneo, plan))
    first, second = run["first"], run["second"]
    assert first["attributes"] == {"created": 35, "skipped": 0, "failed": 0}, first["failures"]
    assert first["options"]["created"] > 0 and first["families"]["created"] == 1
    assert second["attributes"] == {"created": 0, "skipped": 35, "failed": 0}
    assert second["options"]["created"] == 0 and second["options"]["skipped"] == first["options"]["created"]
    assert second["families"] == {"created": 0, "skipped": 1, "failed": 0}
    assert run["rejected"] == []
    assert [[line.status_code for line in sync] for sync in run["syncs"]] == [[204, 204, 204]] * 2
    values = run["product"]["values"]
    assert values["icecat_1766_product_colour"][0]["data"] == "black"
    assert values["icecat_944_display_diagonal"][0]["data"]["unit"] == "INCH"
    assert {value["locale"] for value in values["icecat_1112_operating_temperature_t_t"]} == {
        "en_US",
        "de_DE",
    }
    assert run["before"] == run["after"]


def test_an_attribute_made_from_an_older_feature_name_is_reused(akeneo: Sandbox, plan) -> None:
    async def run() -> dict:
        async with AkeneoClient(akeneo_settings(akeneo)) as client:
            older = {
                **planned(plan, 1766).body,
                "code": "icecat_1766_colour",
            }  # Icecat renamed the feature since
            assert (await client.create_attribute(older)).ok
            return await apply_plan(client, plan, Pacer(50.0))

    report = asyncio.run(run())
    assert {"source": "feature:1766", "attribute": "icecat_1766_colour"} in report["fields"]
    assert report["attributes"] == {"created": 34, "skipped": 1, "failed": 0}
