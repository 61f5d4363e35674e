"""Related products as Akeneo associations (mapping `associations:`): Icecat's accessories and alternatives
(ProductRelated) linked to the client's own products, never creating one.

A related product is the client's when a product of the run's selection (extract) has its brand and MPN
(Icecat's ProductCode), or its Icecat id in the mapping's `icecat_id` attribute. Associations are only added:
the line carries Akeneo's current products of that type plus the ones found (Akeneo replaces the list it
is sent), and no line is written when Akeneo already holds them all, so a rerun sends nothing.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from icecat_akeneo.icecat.record import ProductRecord, RelatedProduct
from icecat_akeneo.mapping_schema import AssociationMapping

if TYPE_CHECKING:
    from icecat_akeneo.steps.batches import KeyedStore

Associations = dict[str, dict[str, list[str]]]


def _brand_mpn(brand: str | None, mpn: str | None) -> str | None:
    return f"{brand.strip().casefold()}\x1f{mpn.strip().casefold()}" if brand and mpn else None


class CatalogLinks:
    """The selection's products by brand + MPN and by Icecat id, and what each holds as associations: tables
    of the step's keyed store (a catalogue-wide index on disk, asked per product, not dicts of 1M entries).

    `rows()` gives the selection's product rows (`steps.transform`: extract's products, streamed); it is read
    once per table (the first product wins a key)."""

    def __init__(self, keyed: KeyedStore, rows: Callable[[], Iterable[Mapping[str, Any]]]) -> None:
        self.keyed = keyed
        keyed.put("link_brand_mpn", ((key, row["identifier"]) for row in rows()
                                     if (key := _brand_mpn(row.get("brand"), row.get("mpn")))))
        keyed.put("link_icecat_id", ((str(row["icecat_id"]), row["identifier"]) for row in rows()
                                     if row.get("icecat_id")))
        keyed.put("link_held", ((row["identifier"], row["associations_json"]) for row in rows()
                                if row.get("associations_json")))

    def _found(self, related: list[RelatedProduct]) -> dict[RelatedProduct, str]:
        """The client's identifier of each Icecat related product that is in the selection."""
        by_key = self.keyed.get_many("link_brand_mpn", filter(None, (_brand_mpn(r.brand, r.mpn) for r in related)))
        by_id = self.keyed.get_many("link_icecat_id", (str(r.icecat_id) for r in related if r.icecat_id))
        found = {}
        for item in related:
            code = by_key.get(_brand_mpn(item.brand, item.mpn) or "") or by_id.get(str(item.icecat_id or ""))
            if code:
                found[item] = code
        return found

    def to_send(self, identifier: str, records: Iterable[ProductRecord],
                wanted: Iterable[AssociationMapping]) -> Associations:
        """The `associations` of the product's PATCH line: per type, Akeneo's products plus those found;
        empty when Akeneo already holds every one."""
        related = list({item: None for record in records for item in record.related})   # every language, in order
        if not related:
            return {}
        found = self._found(related)
        current: Associations = json.loads(self.keyed.get_many("link_held", [identifier]).get(identifier) or "{}")
        line: Associations = {}
        for association in wanted:
            codes = [found.get(item) for item in related if item.preferred or not association.preferred_only]
            held = list((current.get(association.type) or {}).get("products") or [])
            new = [code for code in dict.fromkeys(codes) if code and code != identifier and code not in held]
            if new:
                line[association.type] = {"products": held + new}
        return line
