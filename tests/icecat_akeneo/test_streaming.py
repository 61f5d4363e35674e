"""Validate and transform read the enriched records in batches of whole products: the outputs are the same
whatever the batch size, and what they ask of other artifacts comes per batch of identifiers."""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from icecat_akeneo.artifacts import MEDIA, PRODUCTS, QUARANTINE, RECORDS, REJECTED
from icecat_akeneo.mapping import load_mapping
from icecat_akeneo.steps.batches import SQLITE_VARIABLES, KeyedStore, product_batches
from icecat_akeneo.steps.transform import run_transform
from icecat_akeneo.steps.validate import run_validate

from tests.fixtures.mappings.records import (
    DEMO_MAPPING,
    dell_g5_en,
    iiyama,
    samsung_s7,
    write_enrich,
    write_extract,
)

PRODUCTS_IN_RUN = {"P-DELL": [dell_g5_en()], "P-S7": [samsung_s7("EN"), samsung_s7("DE")],
                   "P-IIYAMA": [iiyama()], "P-BARE": [dataclasses.replace(iiyama(), images=[], brand=None)],
                   "P-S7-BIS": [samsung_s7("EN"), samsung_s7("DE")]}
GTINS = {"P-DELL": "5397184119709", "P-S7": "8806088281285", "P-IIYAMA": "4948570114345",
         "P-BARE": "4948570114344", "P-S7-BIS": "8806088281285"}


def _run(run_dir: Path) -> Path:
    write_enrich(run_dir, PRODUCTS_IN_RUN)
    write_extract(run_dir, GTINS)
    table = pq.read_table(RECORDS.path(run_dir))
    pq.write_table(table, RECORDS.path(run_dir), row_group_size=1)   # a product spans row groups
    return run_dir


def _sorted_rows(path: Path) -> list[tuple]:
    return sorted(tuple(sorted(row.items())) for row in pq.read_table(path).to_pylist())


def test_products_come_whole_even_when_split_across_row_groups_and_reads(tmp_path: Path) -> None:
    _run(tmp_path)
    assert pq.ParquetFile(RECORDS.path(tmp_path)).metadata.num_row_groups == 7
    batches = list(product_batches(RECORDS.path(tmp_path), 2, read_rows=1))
    assert [[(identifier, len(rows)) for identifier, rows in batch] for batch in batches] == [
        [("P-DELL", 1), ("P-S7", 2)], [("P-IIYAMA", 1), ("P-BARE", 1)], [("P-S7-BIS", 2)]]


def test_a_row_group_of_many_products_comes_in_batches_of_whole_products(tmp_path: Path) -> None:
    _run(tmp_path)
    table = pq.read_table(RECORDS.path(tmp_path))
    pq.write_table(table, RECORDS.path(tmp_path), row_group_size=len(table))   # one group, read 2 rows at a time
    batches = list(product_batches(RECORDS.path(tmp_path), 2, read_rows=2))
    assert [[(identifier, len(rows)) for identifier, rows in batch] for batch in batches] == [
        [("P-DELL", 1), ("P-S7", 2)], [("P-IIYAMA", 1), ("P-BARE", 1)], [("P-S7-BIS", 2)]]


def test_validate_quarantines_the_same_products_whatever_the_batch_size(tmp_path: Path) -> None:
    mapping = load_mapping(DEMO_MAPPING)
    whole = run_validate(_run(tmp_path / "whole"), mapping, failure_ratio=1.0)
    batched = run_validate(_run(tmp_path / "batched"), mapping, failure_ratio=1.0, products_per_batch=1)
    assert _sorted_rows(QUARANTINE.path(tmp_path / "batched")) == _sorted_rows(QUARANTINE.path(tmp_path / "whole"))
    assert {row["identifier"] for row in QUARANTINE.rows(tmp_path / "batched")} == {"P-IIYAMA", "P-BARE"}
    for key in ("checked", "passed", "quarantined", "by_rule"):
        assert batched[key] == whole[key]
    results = json.loads(Path(batched["artifacts"]["results"]).read_text())
    assert results["batches"] == 5 and results["success"] is False
    assert results["expectations"]["min_images"]["unexpected_count"] == 1
    docs = list((tmp_path / "batched" / "validate" / "gx").rglob("index.html"))
    assert [Path(batched["artifacts"]["data_docs"])] == docs       # one Data Docs site for the run


def test_transform_writes_the_same_lines_whatever_the_batch_size(tmp_path: Path) -> None:
    mapping = load_mapping(DEMO_MAPPING)
    whole = run_transform(_run(tmp_path / "whole"), mapping)
    batched = run_transform(_run(tmp_path / "batched"), mapping, products_per_batch=2)

    def lines(report: dict) -> list[str]:
        return [line for path in report["artifacts"]["batches"] for line in Path(path).read_text().splitlines()]

    assert lines(batched) == lines(whole) and len(lines(whole)) == 5
    for artifact in (MEDIA, REJECTED):
        assert _sorted_rows(artifact.path(tmp_path / "batched")) == _sorted_rows(artifact.path(tmp_path / "whole"))
    assert {key: batched[key] for key in ("products", "rejected", "media_rows", "values_per_locale")} == \
        {key: whole[key] for key in ("products", "rejected", "media_rows", "values_per_locale")}


def test_transform_hands_each_batch_its_akeneo_values_before_asking_what_to_send(tmp_path: Path) -> None:
    _run(tmp_path)
    held = {identifier: {"name": [{"locale": "en_US", "scope": None, "data": identifier}]}
            for identifier in PRODUCTS_IN_RUN}
    pq.write_table(pa.Table.from_pylist([{"identifier": i, "values_json": json.dumps(v)} for i, v in held.items()]),
                   PRODUCTS.path(tmp_path))
    events: list[tuple] = []
    run_transform(tmp_path, load_mapping(DEMO_MAPPING), products_per_batch=2,
                  on_batch=lambda current: events.append(("batch", current)),
                  values_to_send=lambda identifier, values: events.append(("ask", identifier)) or values)
    assert events == [("batch", {i: held[i] for i in ("P-DELL", "P-S7")}), ("ask", "P-DELL"), ("ask", "P-S7"),
                      ("batch", {i: held[i] for i in ("P-IIYAMA", "P-BARE")}), ("ask", "P-IIYAMA"),
                      ("ask", "P-BARE"), ("batch", {"P-S7-BIS": held["P-S7-BIS"]}), ("ask", "P-S7-BIS")]


def test_keyed_store_answers_more_identifiers_than_one_sqlite_query_binds(tmp_path: Path) -> None:
    wanted = [f"P{n}" for n in range(SQLITE_VARIABLES * 2 + 5)]
    with KeyedStore(tmp_path / "keys.sqlite") as keyed:
        assert keyed.put("gtin", ((identifier, identifier.lower()) for identifier in wanted[::2])) == len(wanted[::2])
        found = keyed.get_many("gtin", [*wanted, "UNKNOWN"])
    assert found == {identifier: identifier.lower() for identifier in wanted[::2]}
    assert not (tmp_path / "keys.sqlite").exists()
