"""The enrich step against the Icecat sandbox: every extracted product gets a lookups row, every found
language a records row, with the columns docs/artifacts.md promises."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from icecat_akeneo.artifacts import LOOKUPS, PRODUCTS, PRODUCTS_SCHEMA, RECORDS
from icecat_akeneo.icecat.client import IcecatSettings
from icecat_akeneo.icecat.daily_index import DailyIndex, index_key
from icecat_akeneo.icecat.lookup import ProductKeys
from icecat_akeneo.icecat.record_schema import RECORD_SCHEMA
from icecat_akeneo.retry import RetryPolicy
from icecat_akeneo.steps.enrich import _without_waiting, run_enrich

from tests.conftest import ICECAT_OPEN_USER, Sandbox

# (identifier, gtin, brand, mpn) as in docs/demo-catalogue.md
DEMO = [
    ("DEMO-DELL-G5", "5397184119709", "DELL", "5587-9709"),
    ("DEMO-JABRA-HS", None, "Jabra", "25089-899-899-01"),
    ("DEMO-SAMSUNG-S7", "8806088281285", "Samsung", "SM-G930FZKAPHN"),
    ("DEMO-ONEPLUS", "5011113506001", "OnePlus", "5011113506"),
    ("DEMO-HILLS", "0052742001203", "Hill's", "10012"),
    ("DEMO-NOID", None, None, None),
    ("DEMO-BADEAN", "4948570114345", "iiyama", "X4071UHSU-B1"),
]


def write_products(run_dir: Path, rows: list[tuple[str, str | None, str | None, str | None]]) -> None:
    (run_dir / "extract").mkdir(parents=True)
    table = pa.Table.from_pylist(
        [
            {
                "identifier": identifier,
                "enabled": True,
                "categories": [],
                "values_json": "{}",
                "gtin": gtin,
                "brand": brand,
                "mpn": mpn,
                "icecat_id": None,
            }
            for identifier, gtin, brand, mpn in rows
        ],
        schema=PRODUCTS_SCHEMA,
    )
    pq.write_table(table, PRODUCTS.path(run_dir))


@pytest.fixture
def settings(icecat: Sandbox) -> IcecatSettings:
    return IcecatSettings(
        icecat.base_url,
        ICECAT_OPEN_USER,
        max_concurrency=4,
        retry=RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.05),
    )


def test_enrich_writes_lookups_and_records_for_the_demo_products(
    settings: IcecatSettings, tmp_path: Path
) -> None:
    write_products(tmp_path, DEMO)
    report = run_enrich(settings, tmp_path, ["EN", "DE"])

    lookups = {
        row["identifier"]: row for row in pq.read_table(LOOKUPS.path(tmp_path)).to_pylist()
    }
    assert {k: (v["outcome"], v["matched_by"]) for k, v in lookups.items()} == {
        "DEMO-DELL-G5": ("found", "gtin"),
        "DEMO-JABRA-HS": ("found", "brand_mpn"),
        "DEMO-SAMSUNG-S7": ("found", "gtin"),
        "DEMO-ONEPLUS": ("not_in_icecat", None),
        "DEMO-HILLS": ("full_icecat_required", None),
        "DEMO-NOID": ("no_identifiers", None),
        "DEMO-BADEAN": ("found", "brand_mpn"),
    }
    assert lookups["DEMO-SAMSUNG-S7"]["icecat_id"] == 31040076
    assert lookups["DEMO-SAMSUNG-S7"]["languages"] == ["EN", "DE"]
    assert lookups["DEMO-DELL-G5"]["updated"] is not None
    assert "Icecat error 9" in lookups["DEMO-HILLS"]["message"]

    records = pq.read_table(RECORDS.path(tmp_path))
    assert records.schema.names == ["identifier", *RECORD_SCHEMA.names]
    assert records.schema.field("features").type == RECORD_SCHEMA.field("features").type
    pairs = sorted(
        zip(records.column("identifier").to_pylist(), records.column("lang").to_pylist(), strict=True)
    )
    assert pairs == sorted(
        (identifier, lang)
        for identifier in ("DEMO-DELL-G5", "DEMO-JABRA-HS", "DEMO-SAMSUNG-S7", "DEMO-BADEAN")
        for lang in ("EN", "DE")
    )

    assert report["products"] == 7
    assert report["outcomes"] == {
        "found": 4,
        "not_in_icecat": 1,
        "full_icecat_required": 1,
        "retryable_error": 0,
        "fatal_error": 0,
        "no_identifiers": 1,
        "pending_in_icecat": 0,
        "unchanged": 0,
    }
    # one product has a German sheet; Icecat answered the other three DE requests with English content
    assert report["records_per_language"] == {"EN": 4, "DE": 1}
    assert report["fallbacks_per_language"] == {"DE": 3}
    assert report["icecat_requests"] > 0 and report["cache_hits"] == 0
    assert Path(report["artifacts"]["lookups"]).exists() and Path(report["artifacts"]["records"]).exists()


def test_enrich_of_an_empty_extract_writes_empty_artifacts(settings: IcecatSettings, tmp_path: Path) -> None:
    write_products(tmp_path, [])
    report = run_enrich(settings, tmp_path, ["EN"])
    assert report["products"] == 0
    assert pq.read_table(LOOKUPS.path(tmp_path)).num_rows == 0
    assert pq.read_table(RECORDS.path(tmp_path)).num_rows == 0


def test_unreachable_icecat_still_reports_every_product(tmp_path: Path) -> None:
    write_products(tmp_path, DEMO[:3])
    settings = IcecatSettings(
        "http://127.0.0.1:9",
        "u",
        timeout=1.0,
        retry=RetryPolicy(max_attempts=2, base_delay=0.01, max_delay=0.02),
    )
    report = run_enrich(settings, tmp_path, ["EN"])
    assert report["outcomes"]["retryable_error"] == 3
    assert pq.read_table(LOOKUPS.path(tmp_path)).num_rows == 3


def test_a_product_absent_from_icecat_is_looked_up_again_only_once_an_index_lists_it() -> None:
    """The index rule: a pending product (Icecat did not have it) costs no lookup until the daily index lists
    one of its identifiers; without an index (unreadable) it is looked up, so nothing waits for ever."""
    products = [("LISTED", ProductKeys("0005011113506001")), ("UNLISTED", ProductKeys(None, "OnePlus", "A5")),
                ("NEW", ProductKeys("4948570114345"))]
    pending = {"LISTED": "requested", "UNLISTED": "requested"}
    index = DailyIndex(dt.datetime(2026, 12, 1), {}, frozenset({index_key("5011113506001")}))
    waiting: dict[str, str] = {}
    assert [i for i, _ in _without_waiting(iter(products), pending, index, waiting)] == ["LISTED", "NEW"]
    assert waiting == {"UNLISTED": "requested"}
    assert [i for i, _ in _without_waiting(iter(products), pending, None, {})] == ["LISTED", "UNLISTED", "NEW"]
