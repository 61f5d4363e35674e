"""Akeneo's completeness of the run's products per channel and locale, read before and after load.

What a PIM manager measures a sync by is not "lines accepted" but how much more complete the products are.
Akeneo computes completeness itself (the family's required attributes per channel and locale); the product
list answers it with `with_completenesses=true`. The load step reads it for the selected products just
before sending and again after, and `load/completeness.json` keeps both summaries for the run report.
"""
from __future__ import annotations

import asyncio
import json
import logging
import os
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

import pyarrow.parquet as pq

from icecat_akeneo.akeneo.client import AkeneoClient, AkeneoSettings
from icecat_akeneo.akeneo.errors import AkeneoError
from icecat_akeneo.artifacts import COMPLETENESS, PRODUCTS

log = logging.getLogger(__name__)
IDENTIFIERS_PER_SEARCH = 100  # one page of products per `identifier IN [...]` search
Summary = dict[str, dict[str, dict[str, float | int]]]  # channel -> locale -> products / complete / average


def summarize(completenesses: Iterable[Iterable[Mapping[str, Any]]]) -> Summary:
    """Per channel and locale: how many products, how many 100 % complete, and their average percentage,
    from each product's `completenesses` list (`[{"scope", "locale", "data"}]`)."""
    percents: dict[tuple[str, str], list[float]] = defaultdict(list)
    for product in completenesses:
        for entry in product:
            percents[(str(entry["scope"]), str(entry["locale"]))].append(float(entry.get("data") or 0))
    summary: Summary = {}
    for (channel, locale), values in sorted(percents.items()):
        summary.setdefault(channel, {})[locale] = {
            "products": len(values), "complete": sum(1 for value in values if value >= 100),
            "average": round(sum(values) / len(values), 1),
        }
    return summary


def delta_rows(before: Summary | None, after: Summary | None) -> list[dict[str, Any]]:
    """One row per channel and locale: average and complete products before and after, and the change."""
    before, after = before or {}, after or {}
    keys = sorted({(channel, locale) for side in (before, after) for channel in side for locale in side[channel]})
    rows = []
    for channel, locale in keys:
        old, new = before.get(channel, {}).get(locale, {}), after.get(channel, {}).get(locale, {})
        change = (round(new["average"] - old["average"], 1)
                  if "average" in old and "average" in new else None)
        rows.append({"channel": channel, "locale": locale, "products": new.get("products", old.get("products")),
                     "average before %": old.get("average"), "average after %": new.get("average"),
                     "change (points)": change, "complete before": old.get("complete"),
                     "complete after": new.get("complete")})
    return rows


async def _read(settings: AkeneoSettings, identifiers: list[str]) -> Summary:
    """The searches (100 identifiers each) run side by side, as many at once as the client's concurrency."""
    async with AkeneoClient(settings) as akeneo:
        async def completenesses(chunk: list[str]) -> list[list[dict[str, Any]]]:
            search = {"identifier": [{"operator": "IN", "value": chunk}]}
            return [product.get("completenesses") or [] async for page in
                    akeneo.iter_product_pages(search, with_completenesses=True) for product in page]

        found = await asyncio.gather(*(completenesses(identifiers[start:start + IDENTIFIERS_PER_SEARCH])
                                       for start in range(0, len(identifiers), IDENTIFIERS_PER_SEARCH)))
    return summarize([entry for chunk in found for entry in chunk])


def measure(settings: AkeneoSettings, run_dir: str | os.PathLike[str]) -> Summary | None:
    """The completeness summary of the run's selected products now; None (logged) when Akeneo does not
    answer: the measure is for the report and must not fail a load."""
    path = PRODUCTS.path(run_dir)
    if not path.exists():
        return None
    identifiers = [str(value) for value in pq.read_table(path, columns=["identifier"]).column(0).to_pylist()]
    try:
        return asyncio.run(_read(settings, identifiers)) if identifiers else {}
    except AkeneoError as error:
        log.warning("Akeneo completeness not measured: %s", error)
        return None


def save_after_load(settings: AkeneoSettings, run_dir: str | os.PathLike[str], before: Summary | None, *,
                    wrote: bool) -> None:
    """Save the completeness before and after a load; a load that wrote nothing to Akeneo (a no-change rerun)
    left it as it was before, so it is not read again (one search per 100 products saved)."""
    save(run_dir, before, measure(settings, run_dir) if wrote else before)


def save(run_dir: str | os.PathLike[str], before: Summary | None, after: Summary | None) -> None:
    path = COMPLETENESS.path(run_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"before": before, "after": after}, indent=1), encoding="utf-8")


def load_saved(run_dir: str | os.PathLike[str]) -> dict[str, Summary | None]:
    """`{"before", "after"}` as the load step saved them; both None when it did not."""
    path = COMPLETENESS.path(run_dir)
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {"before": None, "after": None}
