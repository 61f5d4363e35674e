"""The dry-run diff: what a sync would change, value by value, before anything is sent."""
from __future__ import annotations

import asyncio
import json
from pathlib import Path

from icecat_akeneo.akeneo.lines import read_ndjson
from icecat_akeneo.artifacts import DRY_RUN_DIFF, DRY_RUN_DIFF_NDJSON, PRODUCTS
from icecat_akeneo.mapping import parse_mapping
from icecat_akeneo.steps.dry_run import run_dry_run, value_changes
from icecat_akeneo.steps.load import LoadResults, _read_batches
from icecat_akeneo.steps.transform import run_transform

from tests.fixtures.mappings.records import record, write_enrich, write_extract

MAPPING = ("{version: 1, client: unicode, connections: {akeneo: a, icecat: i}, start_date: 2026-11-01, "
           "identifiers: {gtin: ean}, languages: {EN: en_US}, channel: ecommerce, "
           "fields: [{source: title, attribute: name}]}")


def test_only_added_and_changed_values_are_listed_with_before_and_after() -> None:
    current = {"name": [{"locale": "en_US", "scope": None, "data": "Old"}],
               "brand": [{"locale": None, "scope": None, "data": "HP"}]}
    desired = {"name": [{"locale": "en_US", "scope": None, "data": "New"},
                        {"locale": "de_DE", "scope": None, "data": "Neu"}],
               "brand": [{"locale": None, "scope": None, "data": "HP"}]}
    rows = value_changes("SKU-1", current, desired)
    assert [(r["attribute"], r["locale"], r["change"], r["before"], r["after"]) for r in rows] == [
        ("name", "de_DE", "added", None, '"Neu"'),
        ("name", "en_US", "changed", '"Old"', '"New"'),
    ]


def test_a_value_with_unicode_line_separators_survives_transform_dry_run_and_load(tmp_path: Path) -> None:
    """U+2028 / U+2029 are left raw by JSON: a reader splitting on them would cut the line in two."""
    title = "Line one\u2028line two\u2029paragraph two"
    write_enrich(tmp_path, {"SKU-1": [record("EN", title=title)]})
    write_extract(tmp_path, {})
    PRODUCTS.write(tmp_path, [{"identifier": "SKU-1", "values_json": "{}"}])
    run_transform(tmp_path, parse_mapping(MAPPING, "unicode.yaml"))

    report = run_dry_run(tmp_path)
    assert report["values_by_change"] == {"added": 1}
    [change] = DRY_RUN_DIFF.rows(tmp_path)
    assert json.loads(change["after"]) == title
    assert list(read_ndjson(DRY_RUN_DIFF_NDJSON.path(tmp_path))) == [change]

    async def sent() -> list[dict]:
        results = LoadResults(tmp_path / "results.parquet")
        return [line async for _, _, lines in _read_batches(tmp_path, lambda line: line, results) for line in lines]

    assert asyncio.run(sent()) == [{"identifier": "SKU-1",
                                    "values": {"name": [{"locale": "en_US", "scope": None, "data": title}]}}]
