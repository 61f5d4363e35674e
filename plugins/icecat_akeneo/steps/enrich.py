"""Enrich step: look every extracted product up in Icecat and write its normalized records.

Reads `extract/products.parquet`, streams products through `IcecatClient.enrich_many` and writes, in
row groups as results arrive (memory stays flat for 100k products):
- `enrich/records.parquet`: `identifier` + the RECORD_SCHEMA columns, one row per product × language found;
- `enrich/lookups.parquet`: one row per product, whatever happened to it (nothing is silently dropped).
Both are `artifacts` streams: written to temporary names and renamed at the end, so a rerun never leaves half
an artifact.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from icecat_akeneo.artifacts import LOOKUPS, PRODUCTS, RECORDS
from icecat_akeneo.icecat.client import DailyIndex, IcecatClient, IcecatSettings, IcecatUnavailable
from icecat_akeneo.icecat.languages import answered_in
from icecat_akeneo.icecat.lookup import LookupResult, Outcome, ProductKeys
from icecat_akeneo.progress import Progress

log = logging.getLogger(__name__)
KEY_COLUMNS = ("identifier", "gtin", "brand", "mpn", "icecat_id")
ROWS_PER_GROUP = 5000
"""Rows per Parquet row group of records and lookups: readers keep every group's metadata (~0.1 MB per
records group), so 500-row groups held ~570 MB at 1M products; rows are decoded per batch, not per group."""


def _product_keys(run_dir: Path) -> Iterator[tuple[str, ProductKeys]]:
    """(identifier, keys) of every extracted product, read batch by batch."""
    path = PRODUCTS.path(run_dir)
    parquet = pq.ParquetFile(path)
    columns = [name for name in KEY_COLUMNS if name in parquet.schema_arrow.names]
    if "identifier" not in columns:
        raise ValueError(f"{path} has no 'identifier' column (columns: {parquet.schema_arrow.names})")
    for batch in parquet.iter_batches(batch_size=ROWS_PER_GROUP, columns=columns):
        for row in batch.to_pylist():
            yield (
                str(row["identifier"]),
                ProductKeys(row.get("gtin"), row.get("brand"), row.get("mpn"), row.get("icecat_id")),
            )


def _lookup_row(identifier: str, result: LookupResult) -> dict[str, Any]:
    return {
        "identifier": identifier,
        "outcome": result.outcome,
        "matched_by": result.matched_by,
        "icecat_id": result.icecat_id,
        "languages": result.languages,
        "message": result.message,
        "updated": result.updated,
    }


def run_enrich(
    settings: IcecatSettings,
    run_dir: str | os.PathLike[str],
    languages: list[str],
    *,
    pending: Mapping[str, str] | None = None,
    unchanged: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """Write `enrich/records.parquet` and `enrich/lookups.parquet`; return the step's report.

    `pending` (identifier -> reason) are products Icecat did not have last time: they are looked up again
    only when the daily index lists one of their identifiers, so waiting products cause no lookup storm;
    `unchanged` products (`unchanged.py`) are not looked up nor read from the cache at all.
    """
    if not languages:
        raise ValueError("run_enrich needs at least one Icecat language (the mapping's `languages`)")
    return asyncio.run(
        _enrich(settings, Path(run_dir), [lang.upper() for lang in languages], dict(pending or {}), unchanged)
    )


def _without_waiting(
    products: Iterator[tuple[str, ProductKeys]], pending: dict[str, str], index: DailyIndex | None,
    waiting: dict[str, str], unchanged: frozenset[str] = frozenset(),
) -> Iterator[tuple[str, ProductKeys]]:
    """The products to look up; pending ones the daily index says nothing new about go to `waiting`, the
    `unchanged` ones are left out."""
    for identifier, keys in products:
        if identifier in unchanged:
            continue
        if identifier in pending and index is not None and not index.lists(keys):
            waiting[identifier] = pending[identifier]
        else:
            yield identifier, keys


async def _enrich(
    settings: IcecatSettings, run_dir: Path, languages: list[str], pending: dict[str, str],
    unchanged: frozenset[str],
) -> dict[str, Any]:
    started = time.monotonic()
    outcomes: Counter[str] = Counter({outcome: 0 for outcome in Outcome})
    per_language: Counter[str] = Counter({lang: 0 for lang in languages})
    fallbacks: Counter[str] = Counter()
    with RECORDS.stream(run_dir, ROWS_PER_GROUP) as records, LOOKUPS.stream(run_dir, ROWS_PER_GROUP) as lookups:
        async with IcecatClient(settings) as icecat:
            index = await icecat.daily_index_once(languages[0]) if pending else None
            waiting: dict[str, str] = {}
            products = _without_waiting(_product_keys(run_dir), pending, index, waiting, unchanged)
            progress = Progress("enrich", pq.ParquetFile(PRODUCTS.path(run_dir)).metadata.num_rows,
                                unit="lookups", live=icecat.live_stats)
            async for identifier, result in icecat.enrich_many(products, languages):
                outcomes[result.outcome] += 1
                progress.advance(**{result.outcome: 1})
                lookups.add(_lookup_row(identifier, result))
                for record in result.records:
                    (per_language if answered_in(record.content_language, record.lang) else fallbacks)[record.lang] += 1
                    records.add({"identifier": identifier, **record.to_row()})
            for identifier, reason in waiting.items():
                outcomes[Outcome.PENDING_IN_ICECAT] += 1
                lookups.add(_lookup_row(identifier, LookupResult(Outcome.PENDING_IN_ICECAT, message=reason)))
            for identifier in sorted(unchanged):
                outcomes[Outcome.UNCHANGED] += 1
                lookups.add(_lookup_row(identifier, LookupResult(Outcome.UNCHANGED, message="unchanged, skipped")))
            counters = icecat.counters
            progress.finish(waiting_for_icecat=len(waiting))
    return {
        "products": sum(outcomes.values()),
        "outcomes": {str(outcome): count for outcome, count in outcomes.items()},
        "records_per_language": dict(per_language),
        "fallbacks_per_language": dict(fallbacks),
        "duration_s": round(time.monotonic() - started, 3),
        "icecat_requests": counters.requests,
        "retries": counters.retries,
        "throttled": counters.throttled,
        "cache_hits": counters.cache_hits,
        "artifacts": {"records": str(records.path), "lookups": str(lookups.path)},
    }


def request_data_creation(
    settings: IcecatSettings, run_dir: str | os.PathLike[str], identifiers: list[str]
) -> dict[str, str]:
    """Ask Icecat to create content for these products (not in Icecat); returns identifier -> request id.

    A failed request is logged and left out, so the next run asks again."""
    wanted = set(identifiers)
    keys = [(i, k) for i, k in _product_keys(Path(run_dir)) if i in wanted]
    return asyncio.run(_request_data_creation(settings, keys)) if keys else {}


async def _request_data_creation(
    settings: IcecatSettings, products: list[tuple[str, ProductKeys]]
) -> dict[str, str]:
    requested: dict[str, str] = {}
    async with IcecatClient(settings) as icecat:
        for identifier, keys in products:
            try:
                requested[identifier] = await icecat.request_data_creation(keys)
            except IcecatUnavailable as exc:
                log.warning("data-creation request for product %s not sent: %s", identifier, exc)
    return requested
