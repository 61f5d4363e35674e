"""Dry-run of a client's product selection: what the sync would pick up, before it runs.

The selection filters (data owner, enabled, families, categories, completeness) are agreed with the client
in pre-production; running them once and counting by family, status and locale shows whether they select
what the client expects, and lists the products that can never be looked up in Icecat (no GTIN and no MPN).
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from icecat_akeneo.catalog.product_values import read_value
from icecat_akeneo.icecat.lookup import ProductKeys

if TYPE_CHECKING:
    from icecat_akeneo.akeneo.client import AkeneoClient
    from icecat_akeneo.mapping import ClientMapping

MAX_LISTED = 50


class SelectionSummary:
    """Counts by family and status, per-locale coverage of mapped attributes, products without GTIN/MPN.

    Fed one product at a time, so a catalogue of any size is summarized in constant memory.
    """

    def __init__(self, mapping: ClientMapping, sample_size: int = 0) -> None:
        self.identifiers = mapping.identifiers
        self.mapped = {field.attribute for field in mapping.fields}
        self.locales = mapping.locales
        self.total = 0
        self.families: Counter[str] = Counter()
        self.status: Counter[str] = Counter()
        self.locale_filled: Counter[str] = Counter()
        self.no_gtin = self.no_mpn = 0
        self.unreachable: list[str] = []
        self.sample_size = sample_size
        self.sample: list[tuple[str, ProductKeys]] = []  # the first reachable products, for Icecat samples

    def add(self, product: dict[str, Any]) -> None:
        self.total += 1
        self.families[product.get("family") or "(none)"] += 1
        self.status["enabled" if product.get("enabled", True) else "disabled"] += 1
        present = {
            value.get("locale")
            for code, values in product.get("values", {}).items()
            if code in self.mapped
            for value in values
            if value.get("data") not in (None, "", [])
        }
        self.locale_filled.update(locale for locale in self.locales if locale in present)
        keys = ProductKeys(
            *(
                read_value(product, attribute, None)
                for attribute in (
                    self.identifiers.gtin,
                    self.identifiers.brand,
                    self.identifiers.mpn,
                    self.identifiers.icecat_id,
                )
            )
        )
        self.no_gtin += keys.gtin is None
        self.no_mpn += keys.mpn is None
        if keys.gtin is None and keys.mpn is None and keys.icecat_id is None:
            self.unreachable.append(product.get("identifier"))
        elif keys.candidates() and len(self.sample) < self.sample_size:
            self.sample.append((str(product.get("identifier")), keys))

    def result(self) -> dict[str, Any]:
        total = self.total
        return {
            "selected": total,
            "by_family": dict(sorted(self.families.items())),
            "by_status": dict(sorted(self.status.items())),
            "locale_coverage": {
                locale: {
                    "products_with_values": self.locale_filled[locale],
                    "share": round(self.locale_filled[locale] / total, 3) if total else 0.0,
                }
                for locale in self.locales
            },
            "without_gtin": self.no_gtin,
            "without_mpn": self.no_mpn,
            "without_gtin_and_mpn": len(self.unreachable),
            "without_gtin_and_mpn_examples": self.unreachable[:MAX_LISTED],
        }


async def dry_run_selection(
    client: AkeneoClient, mapping: ClientMapping, sample_size: int = 0
) -> tuple[dict[str, Any], list[tuple[str, ProductKeys]]]:
    """Run the mapping's selection against the live PIM, writing nothing.

    Returns the summary and up to `sample_size` (identifier, ProductKeys) to sample Icecat with.
    """
    search = mapping.akeneo_search(None)
    summary = SelectionSummary(mapping, sample_size)
    async for page in client.iter_product_pages(search):
        for product in page:
            summary.add(product)
    return {"search": search, **summary.result()}, summary.sample
