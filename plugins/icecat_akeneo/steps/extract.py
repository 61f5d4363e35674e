"""Extract: the selected Akeneo products and the catalogue structure, as files for the next steps.

Products are paged with search_after and written to Parquet in row groups as they arrive, so a catalogue
of a million products never sits in memory. Each product keeps its full `values` (as JSON) for the diff,
plus the identifiers Icecat is searched by (GTIN, brand, MPN, Icecat id) read into their own columns.
The taxonomy (attributes, options, channels, locales, families, units, currencies) is saved beside it:
transform and validate check every value against it without asking Akeneo again.
Values are read in every scope the mapping writes (one scope: Akeneo's `scope` filter; several: all
scopes, then kept to those), so a value the mapping writes to a second channel is compared with what Akeneo
really holds, never taken for one a person cleared.
Before any product is paged, the taxonomy is compared with the client's last snapshot (`DriftCheck`): a
mapped attribute deleted or retyped in Akeneo stops the run before anything is sent.
Variant products keep their `parent`; the models they hang from and the family variants of the selection's
families are saved too (`steps.extract_models`), so transform can send each value to the level owning it.
Files are written under a temporary name and renamed at the end, so a failed run never leaves a partial
artifact that the next step could mistake for a complete one.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow.parquet as pq

from icecat_akeneo.akeneo.client import AkeneoClient, AkeneoSettings
from icecat_akeneo.artifacts import AKENEO_API, IDENTIFIER_COLUMNS, PRODUCTS, TAXONOMY, ParquetStream
from icecat_akeneo.catalog.gtin import normalized_gtin
from icecat_akeneo.catalog.product_values import main_identifier_attribute, read_value
from icecat_akeneo.catalog.snapshots import drift_errors, latest_snapshot, save_snapshot
from icecat_akeneo.progress import Progress
from icecat_akeneo.steps.batches import parquet_pairs
from icecat_akeneo.steps.extract_models import PARTIAL_FILTERS, ModelTree

if TYPE_CHECKING:
    from icecat_akeneo.mapping import ClientMapping


class TaxonomyDrift(RuntimeError):
    """A mapped attribute disappeared or changed type in Akeneo since the last accepted taxonomy snapshot."""


Values = dict[str, list[dict[str, Any]]]


def in_scopes(values: Values, scopes: Sequence[str]) -> Values:
    """`values` kept to the non-scopable ones and those of `scopes` (all of them when `scopes` is empty)."""
    if not scopes:
        return values
    kept = {attribute: [entry for entry in entries if entry.get("scope") is None or entry.get("scope") in scopes]
            for attribute, entries in values.items()}
    return {attribute: entries for attribute, entries in kept.items() if entries}


def product_row(
    product: dict[str, Any], identifier_attributes: dict[str, str | None], identifier_attribute: str | None,
    scopes: Sequence[str] = (),
) -> dict[str, Any]:
    row = {
        "identifier": product_key(product, identifier_attribute),
        "uuid": product.get("uuid"),
        "family": product.get("family"),
        "enabled": bool(product.get("enabled", True)),
        "categories": list(product.get("categories") or []),
        "created": product.get("created"),
        "updated": product.get("updated"),
        "values_json": json.dumps(in_scopes(product.get("values") or {}, scopes), ensure_ascii=False,
                                  separators=(",", ":")),
        "associations_json": _associated_products(product.get("associations") or {}),
        "parent": product.get("parent"),
    }
    for column in IDENTIFIER_COLUMNS:
        row[column] = read_value(product, identifier_attributes.get(column), identifier_attribute)
    row["gtin"] = normalized_gtin(row.get("gtin"))  # Icecat's form; an invalid code stays for validate
    return row


def product_key(product: dict[str, Any], identifier_attribute: str | None) -> str | None:
    """How the run's files name a product: its identifier (top-level, or the main identifier value that
    `/products-uuid` keeps in `values`), else its uuid (7.0 / SaaS products may have no identifier)."""
    identifier = product.get("identifier") or read_value(product, identifier_attribute, None)
    return identifier or product.get("uuid")


def _associated_products(associations: dict[str, Any]) -> str:
    """`{type: {"products": [...]}}` of the types holding products, as compact JSON."""
    held = {kind: {"products": links["products"]} for kind, links in associations.items()
            if isinstance(links, dict) and links.get("products")}
    return json.dumps(held, ensure_ascii=False, separators=(",", ":"))


def run_extract(
    settings: AkeneoSettings,
    run_dir: str | os.PathLike[str],
    *,
    search: dict[str, Any],
    scopes: Sequence[str],
    locales: list[str] | None,
    identifier_attributes: dict[str, str | None],
    more_searches: Sequence[dict[str, Any]] = (),
    drift_check: DriftCheck | None = None,
    sample_size: int = 0,
) -> dict[str, Any]:
    """Write `extract/products.parquet` and `extract/taxonomy.json`; return the step's report.

    `scopes` are the channels whose values the mapping writes (`ClientMapping.scopes`); empty reads all.

    `more_searches` select further products (e.g. those whose Icecat content changed) after `search`; a
    product matched twice is written once. With `drift_check`, the taxonomy is compared with the client's
    last snapshot before any product is paged: a mapped attribute that moved stops the run at once.
    `sample_size` keeps only the first products (a dry run on a sample)."""
    report = asyncio.run(
        _extract(settings, Path(run_dir), [search, *more_searches], tuple(scopes), locales, identifier_attributes,
                 drift_check)
    )
    if sample_size:
        report["products"] = keep_first_products(run_dir, sample_size)
    return report


@dataclass(frozen=True)
class DriftCheck:
    """The mapping whose attributes must still exist as they were, and where the client's snapshots live."""

    mapping: ClientMapping
    client_root: Path

    def __call__(self, taxonomy: dict[str, Any]) -> dict[str, Any]:
        """Raise `TaxonomyDrift` when the live taxonomy no longer fits the mapping; otherwise it becomes the
        snapshot the next run compares with."""
        previous = latest_snapshot(self.client_root)
        errors = drift_errors(self.mapping, previous, taxonomy) if previous else []
        if errors:
            raise TaxonomyDrift("taxonomy drift, nothing was sent:\n" + "\n".join(errors))
        return {"taxonomy_snapshot": str(save_snapshot(taxonomy, self.client_root))}


async def _extract(
    settings: AkeneoSettings,
    run_dir: Path,
    searches: list[dict[str, Any]],
    scopes: tuple[str, ...],
    locales: list[str] | None,
    identifier_attributes: dict[str, str | None],
    drift_check: DriftCheck | None,
) -> dict[str, Any]:
    started = time.monotonic()
    async with AkeneoClient(settings) as akeneo:
        api = await akeneo.api_info(settings.api_mode)
        _write_json(AKENEO_API.path(run_dir), api.to_dict())
        taxonomy = await akeneo.get_taxonomy()
        _write_json(TAXONOMY.path(run_dir), taxonomy)
        checked = drift_check(taxonomy) if drift_check else {}
        identifier_attribute = main_identifier_attribute(taxonomy["attributes"])
        tree = ModelTree()
        with PRODUCTS.stream(run_dir) as products:
            pages = await _write_products(
                akeneo, products, searches, scopes, locales, api.mode == "uuid",
                lambda p: tree.saw(product_row(p, identifier_attributes, identifier_attribute, scopes)),
                siblings=lambda: tree.sibling_searches(akeneo, searches[0]))
        variants = await tree.write(akeneo, run_dir, lambda values: in_scopes(values, scopes), _write_json)
        stats = akeneo.stats()
    return {
        "products": products.rows_written,
        "pages": pages,
        "akeneo_api": api.to_dict(),
        "duration_s": round(time.monotonic() - started, 3),
        "requests": stats["requests"],
        "requests_total": stats["requests_total"],
        "retries": stats["retries_total"],
        "artifacts": {"products": str(products.path), "taxonomy": str(TAXONOMY.path(run_dir)),
                      "akeneo_api": str(AKENEO_API.path(run_dir))},
        **variants,
        **checked,
    }


async def _write_products(
    akeneo: AkeneoClient, out: ParquetStream, searches: list[dict[str, Any]], scopes: tuple[str, ...],
    locales: list[str] | None, by_uuid: bool, to_row: Callable[[dict[str, Any]], dict[str, Any]],
    siblings: Callable[[], Awaitable[list[dict[str, Any]]]] | None = None,
) -> int:
    """Page every search into `out`; returns the pages read. A product two searches match is written once.
    Akeneo filters on one scope only: for several, every scope is read and `to_row` keeps the wanted ones.
    `siblings()`, asked once the searches are done, may add searches (the variants of the models met)."""
    scope = scopes[0] if len(scopes) == 1 else None
    pages, progress = 0, Progress("extract", unit="products read")
    seen: set[str] = set()
    partial = siblings is not None and any(key in searches[0] for key in PARTIAL_FILTERS)
    dedupe = len(searches) > 1 or partial  # one search never repeats a product: keep memory flat then
    pending = list(searches)
    while pending:
        async for page in akeneo.iter_product_pages(pending.pop(0), scope=scope, locales=locales, by_uuid=by_uuid):
            pages += 1
            rows = [to_row(product) for product in page]
            if dedupe:
                rows = [row for row in rows if row["identifier"] not in seen]
                seen.update(row["identifier"] for row in rows)
            out.extend(rows)
            progress.advance(len(rows), pages=1)
        if not pending and siblings is not None:
            pending, siblings = await siblings(), None
    progress.finish()
    return pages


def _write_json(path: Path, document: dict[str, Any]) -> None:
    """Whole or absent, like the Parquet artifacts."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(document, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, path)


def current_values(run_dir: str | os.PathLike[str]) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """What each selected product held in Akeneo when extract read it: identifier -> Akeneo `values`."""
    table = pq.read_table(PRODUCTS.path(run_dir), columns=["identifier", "values_json"])
    return {row["identifier"]: json.loads(row["values_json"] or "{}") for row in table.to_pylist()}


def api_mode_of_run(run_dir: str | os.PathLike[str]) -> str:
    """The products API extract chose for this run (`extract/akeneo_api.json`); `identifier` for a run
    folder written before the UUID API was supported."""
    path = AKENEO_API.path(run_dir)
    return json.loads(path.read_text(encoding="utf-8"))["mode"] if path.exists() else "identifier"


def product_uuid_pairs(run_dir: str | os.PathLike[str]) -> Iterator[tuple[str, str]]:
    """(product key, uuid) of the extracted products that have a uuid (Akeneo 7.0 / SaaS), a row group at
    a time: the state store asks them of a scratch file, never of a dict of the catalogue."""
    return ((name, uuid) for name, uuid in parquet_pairs(PRODUCTS.path(run_dir), "identifier", "uuid") if uuid)


def product_uuids(run_dir: str | os.PathLike[str]) -> dict[str, str]:
    """`{product key: uuid}` of the extracted products that have a uuid."""
    return dict(product_uuid_pairs(run_dir))


def address_as_extracted(akeneo: AkeneoClient, run_dir: str | os.PathLike[str]) -> None:
    """Make `akeneo` address this run's products the way extract read them: by uuid in UUID mode."""
    if api_mode_of_run(run_dir) == "uuid":
        akeneo.address_by_uuid(product_uuids(run_dir))


def keep_first_products(run_dir: str | os.PathLike[str], count: int) -> int:
    """Cut `extract/products.parquet` to its first `count` products (dry runs on a sample); returns the kept count."""
    table = pq.read_table(PRODUCTS.path(run_dir))
    if table.num_rows > count:
        PRODUCTS.write(run_dir, table.slice(0, count).to_pylist())
    return min(count, table.num_rows)
