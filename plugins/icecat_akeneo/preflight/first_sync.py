"""What the first sync would refuse: the sample's Icecat records run through transform's own value rules.

Checking the mapping's `options:` map against Akeneo is not enough: a colour or Wi-Fi standard Icecat sends
that no option matches (by the map, by the code slug, or by a label) is refused by transform as
`unknown_option`, product after product. Running the very function transform uses (`desired_values`) on the
preflight's sample predicts every such value before go-live, each with the fix.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING

from icecat_akeneo.catalog.taxonomy import Taxonomy
from icecat_akeneo.desired import desired_values
from icecat_akeneo.icecat.record import ProductRecord
from icecat_akeneo.preflight.mapping_check import Finding

if TYPE_CHECKING:
    from icecat_akeneo.mapping import ClientMapping

FIXES = {
    "unknown_option": "add the option to attribute {attribute} in Akeneo, or map the Icecat value to an existing "
                      "option under the field's `options:` (existing: {existing})",
}
DEFAULT_FIX = "correct the mapping for {attribute}, or the value in Icecat (docs/mapping.md, refusals)"


def _by_product(records: Iterable[ProductRecord]) -> dict[int, list[ProductRecord]]:
    products: dict[int, list[ProductRecord]] = defaultdict(list)
    for record in records:
        products[record.icecat_id].append(record)
    return products


def predicted_refusals(mapping: ClientMapping, taxonomy: Taxonomy, records: Iterable[ProductRecord]) -> list[Finding]:
    """One warning per value transform would refuse for the sample's products (the product is still sent with
    its other values), naming the attribute, locale, Icecat value, how many sampled products, and the fix."""
    seen: dict[tuple[str, str | None, str, str], list[int]] = defaultdict(list)
    for icecat_id, product_records in _by_product(records).items():
        for rejection in desired_values(product_records, mapping, taxonomy)[2]:
            seen[(rejection.attribute, rejection.locale, rejection.kind, rejection.reason)].append(icecat_id)
    findings = []
    for (attribute, locale, kind, reason), products in sorted(seen.items(), key=lambda item: item[0][:3]):
        existing = ", ".join(sorted(option["code"] for option in taxonomy.options(attribute))[:10]) or "none"
        fix = FIXES.get(kind, DEFAULT_FIX).format(attribute=attribute, existing=existing)
        where = f"sample (Icecat {', '.join(str(product) for product in products[:3])})"
        findings.append(Finding(mapping.client, kind, where, attribute + (f"/{locale}" if locale else ""),
                                f"the first sync would refuse {attribute}: {reason} ({len(products)} sampled "
                                "product(s))", fix, severity="warning"))
    return findings
