"""Icecat index files (`daily.index.xml`, `files.index.xml`, and CSV forms) from the sandbox state.

Structure is the real `files.index` one (samples/pyicecat__daily.index.test.xml). The daily index of
generation g lists what changed for it (mutated, created, and removed products with Quality="REMOVED");
the full index lists every visible product. Synthetic products are streamed, never held in memory.
"""

from __future__ import annotations

from collections.abc import Iterator
from xml.sax.saxutils import quoteattr

from sandbox.icecat.catalog import Product
from sandbox.icecat.state import SandboxState

CSV_COLUMNS = (
    "path",
    "product_id",
    "updated",
    "quality",
    "supplier_id",
    "prod_id",
    "catid",
    "m_prod_id",
    "ean_upc",
    "on_market",
    "country_market",
    "model_name",
    "product_view",
    "high_pic",
    "high_pic_size",
    "high_pic_width",
    "high_pic_height",
    "date_added",
)


def _stamp(updated: str) -> str:
    """'2018-07-16 14:25:35' → '20180716142535' (index files' timestamp format)."""
    return "".join(ch for ch in updated if ch.isdigit())[:14].ljust(14, "0")


def _entries(state: SandboxState, full: bool, daily: bool) -> Iterator[tuple[Product, str]]:
    """(product, quality) pairs for the index, in id order."""
    if daily:
        ids = sorted(
            {i for i, m in state.mutations.items() if m.generation == state.generation}
            | {i for i, (_, g) in state.created.items() if g == state.generation}
            | {i for i, g in state.removed.items() if g == state.generation}
        )
    else:
        ids = state.all_ids()
    for icecat_id in ids:
        removed = state.removed.get(icecat_id)
        if removed is not None and not (daily and removed == state.generation):
            continue
        product = state.by_id(icecat_id) if removed is None else _any_product(state, icecat_id)
        if product is None or (not full and not product.sponsor):
            continue
        yield product, "REMOVED" if removed is not None else "ICECAT"


def _any_product(state: SandboxState, icecat_id: int) -> Product | None:
    if icecat_id in state.created:
        return state.created[icecat_id][0]
    return state.catalog.by_id(icecat_id) or state.synthetic.by_id(icecat_id)


def _fields(state: SandboxState, product: Product, quality: str, lang: str, full: bool) -> dict[str, str]:
    folder = f"export/level4/{lang}" if full else f"export/freexml.int/{lang}"
    attrs = product.index_attrs
    return {
        "path": f"{folder}/{product.icecat_id}.xml",
        "Product_ID": str(product.icecat_id),
        "Updated": _stamp(state.updated_of(product)),
        "Quality": quality,
        "Supplier_id": product.brand_id,
        "Prod_ID": product.mpn,
        "Catid": product.category_id,
        "On_Market": "1",
        "Model_Name": attrs.get("Model_Name", ""),
        "Product_View": "0",
        "HighPic": attrs.get("HighPic", ""),
        "HighPicSize": attrs.get("HighPicSize", ""),
        "HighPicWidth": attrs.get("HighPicWidth", ""),
        "HighPicHeight": attrs.get("HighPicHeight", ""),
        "Date_Added": _stamp(product.date_added),
    }


def xml_index(state: SandboxState, lang: str, full: bool, daily: bool) -> Iterator[str]:
    generated = _stamp(state.generations[-1].generated_at)
    yield (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<!DOCTYPE ICECAT-interface SYSTEM "http://data.icecat.biz/dtd/files.index.dtd">\n'
        '<ICECAT-interface xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:noNamespaceSchemaLocation="http://data.icecat.biz/xsd/files.index.xsd">\n'
        f'  <files.index Generated="{generated}">\n'
    )
    for product, quality in _entries(state, full, daily):
        attributes = " ".join(
            f"{key}={quoteattr(value)}" for key, value in _fields(state, product, quality, lang, full).items()
        )
        eans = "".join(f"        <EAN_UPC Value={quoteattr(g)} />\n" for g in product.gtins if len(g) >= 13)
        yield (
            f"    <file {attributes}>\n"
            + (f"      <EAN_UPCS>\n{eans}      </EAN_UPCS>\n" if eans else "")
            + "    </file>\n"
        )
    yield "  </files.index>\n</ICECAT-interface>\n"


def csv_index(state: SandboxState, lang: str, full: bool, daily: bool) -> Iterator[str]:
    yield "\t".join(CSV_COLUMNS) + "\n"
    for product, quality in _entries(state, full, daily):
        f = _fields(state, product, quality, lang, full)
        eans = ";".join(g for g in product.gtins if len(g) >= 13)
        row = (
            f["path"],
            f["Product_ID"],
            f["Updated"],
            quality,
            f["Supplier_id"],
            f["Prod_ID"],
            f["Catid"],
            "",
            eans,
            "1",
            "",
            f["Model_Name"],
            "0",
            f["HighPic"],
            f["HighPicSize"],
            f["HighPicWidth"],
            f["HighPicHeight"],
            f["Date_Added"],
        )
        yield "\t".join(value.replace("\t", " ").replace("\n", " ") for value in row) + "\n"
