"""Related products as Akeneo associations (mapping `associations:`): Icecat's accessories and alternatives
(ProductRelated) linked to the client's own products, never creating one.

A related product is the client's when a product of the run's selection (extract) has its brand and MPN
(Icecat's ProductCode), or its Icecat id in the mapping's `icecat_id` attribute. Associations are only added:
the line carries Akeneo's current products of that type plus the ones found (Akeneo replaces the list it
is sent), and no line is written when Akeneo already holds them all, so a rerun sends nothing.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from icecat_akeneo.artifacts import PRODUCTS
from icecat_akeneo.icecat.record import ProductRecord, RelatedProduct
from icecat_akeneo.mapping_schema import AssociationMapping

Associations = dict[str, dict[str, list[str]]]


def _brand_mpn(brand: str | None, mpn: str | None) -> tuple[str, str] | None:
    return (brand.strip().casefold(), mpn.strip().casefold()) if brand and mpn else None


class CatalogLinks:
    """The selection's products by brand + MPN and by Icecat id, and what each holds as associations."""

    def __init__(self, rows: Iterable[Mapping[str, Any]]) -> None:
        self.by_brand_mpn: dict[tuple[str, str], str] = {}
        self.by_icecat_id: dict[str, str] = {}
        self.current: dict[str, Associations] = {}
        for row in rows:
            identifier = row["identifier"]
            key = _brand_mpn(row.get("brand"), row.get("mpn"))
            if key:
                self.by_brand_mpn.setdefault(key, identifier)
            if row.get("icecat_id"):
                self.by_icecat_id.setdefault(str(row["icecat_id"]), identifier)
            self.current[identifier] = json.loads(row.get("associations_json") or "{}")

    @classmethod
    def of_run(cls, run_dir: Path) -> CatalogLinks:
        return cls(PRODUCTS.rows(run_dir))

    def find(self, related: RelatedProduct) -> str | None:
        """The client's identifier for an Icecat related product, or None when it is not in the selection."""
        key = _brand_mpn(related.brand, related.mpn)
        found = self.by_brand_mpn.get(key) if key else None
        return found or self.by_icecat_id.get(str(related.icecat_id or ""))

    def to_send(self, identifier: str, records: Iterable[ProductRecord],
                wanted: Iterable[AssociationMapping]) -> Associations:
        """The `associations` of the product's PATCH line: per type, Akeneo's products plus those found;
        empty when Akeneo already holds every one."""
        related = {item: None for record in records for item in record.related}   # every language, in order
        line: Associations = {}
        for association in wanted:
            found = [self.find(item) for item in related if item.preferred or not association.preferred_only]
            held = list((self.current.get(identifier, {}).get(association.type) or {}).get("products") or [])
            new = [code for code in dict.fromkeys(found) if code and code != identifier and code not in held]
            if new:
                line[association.type] = {"products": held + new}
        return line
