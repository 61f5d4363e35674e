"""Option 1: the integrator's mapping checked against the client's real taxonomy (the demo sandbox)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from icecat_akeneo.akeneo.client import AkeneoClient
from icecat_akeneo.icecat.normalize import normalize_file
from icecat_akeneo.mapping import ClientMapping
from icecat_akeneo.preflight.mapping_check import check_mapping, errors, unmapped_features
from icecat_akeneo.preflight.samples import profile_features

from tests.conftest import Sandbox
from tests.fixtures.preflight.support import akeneo_settings, demo_document, mapping_of

SAMPLES = Path("sandbox/icecat/samples")


@pytest.fixture(scope="module")
def demo_taxonomy(akeneo_server: Sandbox) -> dict:
    async def fetch() -> dict:
        async with AkeneoClient(akeneo_settings(akeneo_server)) as client:
            return await client.get_taxonomy()

    akeneo_server.reset()
    return asyncio.run(fetch())


@pytest.fixture(scope="module")
def demo_features() -> dict:
    records = [
        record
        for path in sorted(SAMPLES.glob("icecat-learning-hub__*.json"))
        for record in normalize_file(path)
    ]
    return profile_features(records)


def demo_mapping(**changes: object) -> ClientMapping:
    document = demo_document()
    document.update(changes)
    return mapping_of(document, "broken.yaml")


def test_demo_mapping_has_no_errors(demo_taxonomy: dict, demo_features: dict) -> None:
    findings = check_mapping(demo_mapping(), demo_taxonomy, demo_features)
    assert errors(findings) == []


def test_wrong_attribute_inactive_locale_and_type_mismatch_give_exactly_three_named_errors(
    demo_taxonomy: dict, demo_features: dict
) -> None:
    document = demo_document()
    # the demo's own weight field makes way: one field per attribute, locale and scope
    fields = [field for field in document["fields"] if field["attribute"] != "weight"] + [
        {"source": "feature:1650", "attribute": "depth"},  # no such attribute
        {"source": "title", "attribute": "weight"},
    ]  # text into a metric
    mapping = demo_mapping(fields=fields, languages={**document["languages"], "NL": "nl_NL"})
    found = errors(check_mapping(mapping, demo_taxonomy, demo_features))
    assert sorted((finding.code, finding.where, finding.attribute) for finding in found) == sorted(
        [
            ("unknown_attribute", f"fields[{len(fields) - 2}]", "depth"),
            ("type_mismatch", f"fields[{len(fields) - 1}]", "weight"),
            ("locale_not_activated", "languages.NL", None),
        ]
    )
    assert all(finding.client == "demo" and finding.fix for finding in found)
    assert "close matches: width" in str(found[[f.code for f in found].index("unknown_attribute")])


def test_feature_type_and_unit_are_checked_against_the_sample(
    demo_taxonomy: dict, demo_features: dict
) -> None:
    fields = [
        {"source": "feature:2183", "attribute": "width"},  # y_n into a metric
        {"source": "feature:909", "attribute": "weight"},  # mAh into Weight
        {"source": "feature:1766", "attribute": "color", "options": {"Black": "jet_black"}},
    ]
    found = {
        finding.code: finding
        for finding in check_mapping(demo_mapping(fields=fields), demo_taxonomy, demo_features)
    }
    assert "bluetooth" not in found["type_mismatch"].message and "y_n" in found["type_mismatch"].message
    assert found["unit_not_convertible"].where == "fields[1]"
    assert found["unknown_option"].message.endswith("['jet_black'] do not exist for attribute 'color'")
    option3 = check_mapping(demo_mapping(fields=fields[2:], mapping_option="icecat_taxonomy"), demo_taxonomy)
    assert [(finding.code, finding.severity) for finding in option3] == [
        ("option_will_be_created", "warning")
    ]


def test_unmapped_features_are_listed_most_frequent_first(demo_features: dict) -> None:
    rows = unmapped_features(demo_mapping(), demo_features)
    assert all(row["feature_id"] not in (94, 944, 1649) for row in rows)
    assert [row["products"] for row in rows] == sorted((row["products"] for row in rows), reverse=True)
    assert rows[0]["products"] >= 4
