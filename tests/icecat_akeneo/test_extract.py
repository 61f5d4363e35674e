"""Extract: identifiers read the way Akeneo stores them; the demo selection lands in products.parquet."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from icecat_akeneo.akeneo.client import AkeneoSettings
from icecat_akeneo.akeneo.errors import AkeneoAuthError
from icecat_akeneo.artifacts import PRODUCTS, PRODUCTS_SCHEMA, TAXONOMY
from icecat_akeneo.catalog.product_values import read_value
from icecat_akeneo.steps.extract import product_row, run_extract

from tests.conftest import AKENEO_CREDENTIALS, Sandbox

IDENTIFIERS = {"gtin": "ean", "brand": "brand", "mpn": "mpn", "icecat_id": "icecat_id"}
DEMO_SEARCH = {
    "data_owner": [{"operator": "IN", "value": ["icecat"]}],
    "enabled": [{"operator": "=", "value": True}],
}
DEMO_SELECTED = {
    "DEMO-DELL-G5",
    "DEMO-SAMSUNG-S25",
    "DEMO-LENOVO-TAB",
    "DEMO-PHILIPS-MON",
    "DEMO-PHILIPS-HS",
    "DEMO-JABRA-HS",
    "DEMO-HP-6710B",
    "DEMO-SAMSUNG-S7",
    "DEMO-HP-INK",
    "DEMO-IIYAMA",
    "DEMO-ONEPLUS",
    "DEMO-HILLS",
    "DEMO-NOID",
    "DEMO-BADEAN",
}


def value(data: object, locale: str | None = None, scope: str | None = None) -> dict:
    return {"locale": locale, "scope": scope, "data": data}


def test_a_global_value_wins_over_localized_ones_else_the_first_value_is_taken() -> None:
    product = {
        "identifier": "p",
        "values": {
            "ean": [value("4006381333931")],
            "name": [value("Name DE", "de_DE"), value("Name EN", "en_US")],
            "mixed": [value("en", "en_US"), value("global")],
            "icecat_id": [value(12345)],
            "empty": [value("")],
        },
    }
    assert read_value(product, "ean", "sku") == "4006381333931"
    assert read_value(product, "name", "sku") == "Name DE"
    assert read_value(product, "mixed", "sku") == "global"
    assert read_value(product, "icecat_id", "sku") == "12345"
    assert read_value(product, "empty", "sku") is None
    assert read_value(product, "missing", "sku") is None
    assert read_value(product, None, "sku") is None


def test_the_identifier_attribute_is_read_from_the_top_level_identifier() -> None:
    """Akeneo 5/6 leave the identifier attribute out of `values`; mapping gtin -> sku must still work."""
    assert read_value({"identifier": "4006381333931", "values": {}}, "sku", "sku") == "4006381333931"


def test_a_row_keeps_the_full_values_and_fits_the_schema() -> None:
    product = {
        "identifier": "p",
        "family": "laptops",
        "enabled": True,
        "categories": ["laptops"],
        "created": "2026-01-01T00:00:00+00:00",
        "updated": "2026-01-02T00:00:00+00:00",
        "values": {"brand": [value("DELL")], "description": [value("a\nb", "en_US", "ecommerce")]},
    }
    row = product_row(product, {"gtin": None, "brand": "brand", "mpn": "mpn"}, "sku")
    assert set(row) == set(PRODUCTS_SCHEMA.names)
    assert (row["brand"], row["gtin"], row["mpn"], row["uuid"]) == ("DELL", None, None, None)
    assert json.loads(row["values_json"]) == product["values"]


def settings_for(sandbox: Sandbox, **changes: object) -> AkeneoSettings:
    return AkeneoSettings(**{"base_url": sandbox.base_url, **AKENEO_CREDENTIALS, **changes})


def test_extract_selects_exactly_the_enabled_icecat_owned_demo_products(
    akeneo: Sandbox, tmp_path: Path
) -> None:
    report = run_extract(
        settings_for(akeneo, page_size=5),
        tmp_path,
        search=DEMO_SEARCH,
        scopes=["ecommerce"],
        locales=["en_US", "de_DE"],
        identifier_attributes=IDENTIFIERS,
    )
    table = pq.read_table(PRODUCTS.path(tmp_path))
    assert table.schema.equals(PRODUCTS_SCHEMA)
    rows = {row["identifier"]: row for row in table.to_pylist()}
    assert set(rows) == DEMO_SELECTED
    assert (rows["DEMO-DELL-G5"]["gtin"], rows["DEMO-DELL-G5"]["brand"], rows["DEMO-DELL-G5"]["mpn"]) == (
        "5397184119709",
        "DELL",
        "5587-9709",
    )
    assert rows["DEMO-JABRA-HS"]["gtin"] is None and rows["DEMO-JABRA-HS"]["brand"] == "Jabra"
    assert rows["DEMO-NOID"]["gtin"] is None and rows["DEMO-NOID"]["mpn"] is None
    assert rows["DEMO-DELL-G5"]["family"] == "laptops" and rows["DEMO-DELL-G5"]["enabled"]
    assert report["products"] == 14 and report["pages"] == 3
    assert report["requests"]["products_list"] == 3
    assert report["artifacts"]["products"].endswith("extract/products.parquet")


def test_extract_saves_the_taxonomy_with_options_of_select_attributes(
    akeneo: Sandbox, tmp_path: Path
) -> None:
    run_extract(
        settings_for(akeneo),
        tmp_path,
        search=DEMO_SEARCH,
        scopes=["ecommerce"],
        locales=["en_US"],
        identifier_attributes=IDENTIFIERS,
    )
    taxonomy = json.loads(TAXONOMY.path(tmp_path).read_text(encoding="utf-8"))
    assert set(taxonomy) == {
        "attributes",
        "attribute_options",
        "channels",
        "locales",
        "families",
        "measurement_families",
        "currencies",
    }
    assert {"sku", "ean", "main_image", "marketing_claim"} <= {a["code"] for a in taxonomy["attributes"]}
    assert {o["code"] for o in taxonomy["attribute_options"]["data_owner"]} == {"icecat", "internal"}
    assert "name" not in taxonomy["attribute_options"]
    assert {c["code"] for c in taxonomy["channels"]} == {"ecommerce", "print"}
    assert {m["code"] for m in taxonomy["measurement_families"]} >= {"Length", "Weight", "Frequency", "Power"}
    assert {f["code"] for f in taxonomy["families"]} >= {"laptops", "monitors", "headsets"}


def test_refused_credentials_stop_the_extract_with_a_clear_error(akeneo: Sandbox, tmp_path: Path) -> None:
    settings = settings_for(akeneo, password="not-the-password")
    with pytest.raises(AkeneoAuthError, match="sandbox_user") as caught:
        run_extract(
            settings, tmp_path, search={}, scopes=(), locales=None, identifier_attributes=IDENTIFIERS
        )
    assert "not-the-password" not in str(caught.value)
    assert not PRODUCTS.path(tmp_path).exists()
