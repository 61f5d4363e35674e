"""Icecat's daily index file: which products changed in the last day, by icecat_id and by GTIN/MPN.

The cache trusts a stored answer only while the daily index proves it unchanged, and the enrich step asks
again for products the index lists. Parsing is pure (bytes in, `DailyIndex` out) so it is tested without
a server.
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from icecat_akeneo.icecat.fields import parse_timestamp
from icecat_akeneo.icecat.lookup import ProductKeys


@dataclass(frozen=True)
class DailyIndex:
    generated: dt.datetime | None
    updated: dict[int, dt.datetime]
    identifiers: frozenset[str] = frozenset()  # index_key() of every GTIN and MPN listed

    def lists(self, keys: ProductKeys) -> bool:
        """Whether one of the product's GTIN / MPN is in this index (content new or changed)."""
        return any(index_key(k) in self.identifiers for k in (keys.gtin, keys.mpn) if k)


def index_key(identifier: str) -> str:
    """GTINs come as 12, 13 or 14 digits with or without leading zeros; MPNs in any case."""
    text = identifier.strip()
    return text.lstrip("0") if text.isdigit() else text.lower()


def parse_daily_index(content: bytes) -> DailyIndex:
    """The index from the file's bytes; raises ET.ParseError (not well-formed) or NormalizeError (bad dates)."""
    root = ET.fromstring(content)
    index = root.find("files.index")
    generated = parse_timestamp(
        index.get("Generated") if index is not None else None, "daily index", "files.index.Generated"
    )
    updated = {
        int(entry.get("Product_ID", "")): stamp
        for entry in root.iter("file")
        if (entry.get("Product_ID") or "").isdigit()
        and (
            stamp := parse_timestamp(
                entry.get("Updated"), f"daily index {entry.get('Product_ID')}", "Updated"
            )
        )
        is not None
    }
    identifiers = frozenset(
        index_key(value)
        for entry in root.iter("file")
        for value in (
            entry.get("Prod_ID"),
            *(e.get("Value") for e in entry.iter("EAN_UPC")),
            *(m.text for m in entry.iter("M_Prod_ID")),
        )
        if value and value.strip()
    )
    return DailyIndex(generated, updated, identifiers)
