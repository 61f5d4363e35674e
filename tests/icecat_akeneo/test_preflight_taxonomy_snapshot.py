"""Taxonomy snapshots: versions on disk, the diff between two, and the sync run's drift check."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path

import yaml
from icecat_akeneo.catalog.snapshots import (
    diff_taxonomy,
    drift_errors,
    latest_snapshot,
    save_snapshot,
    snapshots,
)
from icecat_akeneo.mapping import parse_mapping

from tests.fixtures.preflight.support import load_json

MAPPING = parse_mapping(
    yaml.safe_dump(
        {
            "version": 1,
            "client": "acme",
            "connections": {"akeneo": "a", "icecat": "i"},
            "start_date": "2026-11-01",
            "identifiers": {"gtin": "ean_code"},
            "languages": {"EN": "en_US"},
            "channel": "web",
            "fields": [
                {"source": "feature:944", "attribute": "screen_size"},
                {"source": "feature:94", "attribute": "mass"},
                {"source": "title", "attribute": "product_title"},
            ],
        },
        sort_keys=False,
    ),
    "acme.yaml",
)


def _changed(taxonomy: dict, code: str, **properties: object) -> dict:
    changed = copy.deepcopy(taxonomy)
    for attribute in changed["attributes"]:
        if attribute["code"] == code:
            attribute.update(properties)
    return changed


def test_snapshots_are_versioned_and_the_latest_is_read_back(tmp_path: Path) -> None:
    old, new = (
        load_json("suggest_taxonomy.json"),
        _changed(load_json("suggest_taxonomy.json"), "mass", labels={}),
    )
    save_snapshot(old, tmp_path, dt.datetime(2026, 11, 1, 8, 0, tzinfo=dt.UTC))
    save_snapshot(new, tmp_path, dt.datetime(2026, 11, 2, 8, 0, tzinfo=dt.UTC))
    assert [path.name for path in snapshots(tmp_path)] == [
        "20261101T080000000000Z.json",
        "20261102T080000000000Z.json",
    ]
    assert latest_snapshot(tmp_path) == new
    assert latest_snapshot(tmp_path / "nobody") is None


def test_diff_lists_new_removed_and_changed_attributes_and_removed_options() -> None:
    old = load_json("suggest_taxonomy.json")
    new = _changed(old, "screen_size", default_metric_unit="CENTIMETER")
    new["attributes"] = [a for a in new["attributes"] if a["code"] != "os"] + [
        {"code": "hdmi", "type": "pim_catalog_boolean"}
    ]
    new["attribute_options"]["colour_main"] = new["attribute_options"]["colour_main"][1:]
    diff = diff_taxonomy(old, new)
    assert diff["new"] == ["hdmi"] and diff["removed"] == ["os"]
    assert diff["changed"] == {
        "screen_size": {"default_metric_unit": {"before": "INCH", "after": "CENTIMETER"}}
    }
    assert diff["removed_options"] == {"colour_main": ["blk"]}


def test_drift_names_the_mapped_attribute_that_disappeared_or_changed_type() -> None:
    old = load_json("suggest_taxonomy.json")
    new = _changed(old, "mass", type="pim_catalog_number")
    new["attributes"] = [attribute for attribute in new["attributes"] if attribute["code"] != "ean_code"]
    assert drift_errors(MAPPING, old, new) == [
        "client acme: fields[1]: attribute 'mass' changed type from metric to number in Akeneo "
        "since the last taxonomy snapshot; review the mapping and rerun the preflight",
        "client acme: identifiers.gtin: attribute 'ean_code' was deleted in Akeneo since the last taxonomy "
        "snapshot; remap the field or recreate the attribute",
    ]


def test_unmapped_changes_are_no_drift() -> None:
    old = load_json("suggest_taxonomy.json")
    assert drift_errors(MAPPING, old, _changed(old, "os", type="pim_catalog_textarea")) == []
