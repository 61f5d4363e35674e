"""Extract: the selected Akeneo products and the catalogue structure, as files for the next steps.

Products are paged with search_after and written to Parquet in row groups as they arrive, so a catalogue
of a million products never sits in memory. Each product keeps its full `values` (as JSON) for the diff,
plus the identifiers Icecat is searched by (GTIN, brand, MPN, Icecat id) read into their own columns.
The taxonomy (attributes, options, channels, locales, families, units, currencies) is saved beside it:
transform and validate check every value against it without asking Akeneo again.
Files are written under a temporary name and renamed at the end, so a failed run never leaves a partial
artifact that the next step could mistake for a complete one.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from icecat_akeneo.akeneo.client import AkeneoClient, AkeneoSettings

IDENTIFIER_COLUMNS = ("gtin", "brand", "mpn", "icecat_id")
PRODUCTS_SCHEMA = pa.schema(
    [
        ("identifier", pa.string()),
        ("uuid", pa.string()),
        ("family", pa.string()),
        ("enabled", pa.bool_()),
        ("categories", pa.list_(pa.string())),
        ("created", pa.string()),
        ("updated", pa.string()),
        *[(column, pa.string()) for column in IDENTIFIER_COLUMNS],
        ("values_json", pa.string()),
    ]
)
ROWS_PER_ROW_GROUP = 5000
IDENTIFIER_TYPE = "pim_catalog_identifier"


def read_value(
    product: dict[str, Any], attribute: str | None, identifier_attribute: str | None
) -> str | None:
    """A product's value for `attribute` as text: the locale/scope-less value if there is one (that is how
    Akeneo stores non-localizable, non-scopable attributes), else the first value Akeneo returned.
    The identifier attribute is read from the top-level `identifier` (5.0/6.0 leave it out of `values`)."""
    if not attribute:
        return None
    if attribute == identifier_attribute and product.get("identifier"):
        return str(product["identifier"])
    entries = (product.get("values") or {}).get(attribute) or []
    chosen = next((e for e in entries if e.get("locale") is None and e.get("scope") is None), None)
    if chosen is None and entries:
        chosen = entries[0]
    data = chosen.get("data") if chosen else None
    if data is None or data == "":
        return None
    return data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)


def product_row(
    product: dict[str, Any], identifier_attributes: dict[str, str | None], identifier_attribute: str | None
) -> dict[str, Any]:
    row = {
        "identifier": product.get("identifier"),
        "uuid": product.get("uuid"),
        "family": product.get("family"),
        "enabled": bool(product.get("enabled", True)),
        "categories": list(product.get("categories") or []),
        "created": product.get("created"),
        "updated": product.get("updated"),
        "values_json": json.dumps(product.get("values") or {}, ensure_ascii=False, separators=(",", ":")),
    }
    for column in IDENTIFIER_COLUMNS:
        row[column] = read_value(product, identifier_attributes.get(column), identifier_attribute)
    return row


def run_extract(
    settings: AkeneoSettings,
    run_dir: str | os.PathLike[str],
    *,
    search: dict[str, Any],
    scope: str | None,
    locales: list[str] | None,
    identifier_attributes: dict[str, str | None],
    more_searches: Sequence[dict[str, Any]] = (),
) -> dict[str, Any]:
    """Write `extract/products.parquet` and `extract/taxonomy.json`; return the step's report.

    `more_searches` select further products (e.g. those whose Icecat content changed) after `search`; a
    product matched twice is written once."""
    return asyncio.run(
        _extract(settings, Path(run_dir), [search, *more_searches], scope, locales, identifier_attributes)
    )


async def _extract(
    settings: AkeneoSettings,
    run_dir: Path,
    searches: list[dict[str, Any]],
    scope: str | None,
    locales: list[str] | None,
    identifier_attributes: dict[str, str | None],
) -> dict[str, Any]:
    started = time.monotonic()
    folder = run_dir / "extract"
    folder.mkdir(parents=True, exist_ok=True)
    products_path, taxonomy_path = folder / "products.parquet", folder / "taxonomy.json"
    async with AkeneoClient(settings) as akeneo:
        taxonomy = await akeneo.get_taxonomy()
        tmp_taxonomy = taxonomy_path.with_name(taxonomy_path.name + ".tmp")
        tmp_taxonomy.write_text(json.dumps(taxonomy, ensure_ascii=False, indent=1), encoding="utf-8")
        identifier_attribute = next(
            (a["code"] for a in taxonomy["attributes"] if a.get("type") == IDENTIFIER_TYPE), None
        )
        tmp_products = products_path.with_name(products_path.name + ".tmp")
        products = pages = 0
        seen: set[str] = set()
        dedupe = len(searches) > 1  # one search never repeats a product: keep memory flat then
        buffered: list[dict[str, Any]] = []
        with pq.ParquetWriter(tmp_products, PRODUCTS_SCHEMA) as writer:
            for search in searches:
                async for page in akeneo.iter_product_pages(search, scope=scope, locales=locales):
                    pages += 1
                    rows = [product_row(p, identifier_attributes, identifier_attribute) for p in page]
                    if dedupe:
                        rows = [row for row in rows if row["identifier"] not in seen]
                        seen.update(row["identifier"] for row in rows)
                    products += len(rows)
                    buffered.extend(rows)
                    if len(buffered) >= ROWS_PER_ROW_GROUP:
                        writer.write_table(pa.Table.from_pylist(buffered, PRODUCTS_SCHEMA))
                        buffered = []
            writer.write_table(pa.Table.from_pylist(buffered, PRODUCTS_SCHEMA))
        stats = akeneo.stats()
    os.replace(tmp_taxonomy, taxonomy_path)
    os.replace(tmp_products, products_path)
    return {
        "products": products,
        "pages": pages,
        "duration_s": round(time.monotonic() - started, 3),
        "requests": stats["requests"],
        "requests_total": stats["requests_total"],
        "retries": stats["retries_total"],
        "artifacts": {"products": str(products_path), "taxonomy": str(taxonomy_path)},
    }


def keep_first_products(run_dir: str | os.PathLike[str], count: int) -> int:
    """Cut `extract/products.parquet` to its first `count` products (dry runs on a sample); returns the kept count."""
    path = Path(run_dir) / "extract" / "products.parquet"
    table = pq.read_table(path)
    if table.num_rows > count:
        pq.write_table(table.slice(0, count), path)
    return min(count, table.num_rows)
