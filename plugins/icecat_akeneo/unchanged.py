"""Which products a rerun may skip entirely: unchanged in Akeneo, in Icecat and in what shapes their values.

Why: a rerun with no change used to read every cached Icecat record and rebuild every product's desired values
only to find nothing to send. A product is skipped (enrich does not read it, validate/transform/load never
see it, the report counts it `unchanged`) only when all of these hold:

- its state is `synced` and it has a mark (`state.marks`), taken after a build of which Akeneo accepted
  every line, from the product as Akeneo returned it when read back after that load;
- Akeneo's `updated` now is not later than the mark's: Akeneo's clock against Akeneo's clock, never ours;
- the mark is *settled*: Akeneo's clock (its `Date`) before the read-back was strictly later than the mark's
  `updated`. `updated` has 1-second resolution: an edit in the same second as our write would keep the same
  `updated`, so a mark read back within that second is not trusted (the product is rebuilt by the next run,
  whose read-back settles it);
- same family, no parent (a product model's values are chosen among all its variants: variants are rebuilt);
- the fingerprint (mapping, taxonomy, value-building version, manual-edit rule) is the same;
- Icecat's daily index proves the content current: generated within `DAILY_INDEX_WINDOW` of the mark's last
  proof, not listing the product with a newer `Updated`.
Anything else, or run param `rebuild_all: true`, rebuilds. The marks of products to rebuild are dropped first,
so a product that fails or is quarantined this run is never skipped later.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import logging
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow.parquet as pq

from icecat_akeneo.akeneo.client import AkeneoClient
from icecat_akeneo.akeneo.errors import AkeneoError
from icecat_akeneo.artifacts import LOOKUPS, PRODUCTS, QUARANTINE, REJECTED, RESULTS, TAXONOMY
from icecat_akeneo.diff import value_entries, value_hash
from icecat_akeneo.icecat.cache import DAILY_INDEX_WINDOW
from icecat_akeneo.icecat.daily_index import DailyIndex
from icecat_akeneo.icecat.lookup import Outcome
from icecat_akeneo.icecat.updates import daily_index
from icecat_akeneo.state import ProductStatus, StateStore
from icecat_akeneo.state.marks import Mark, ProductMarks
from icecat_akeneo.state.store import IN_CLAUSE_CHUNK
from icecat_akeneo.steps.batches import KeyedStore, parquet_pairs
from icecat_akeneo.steps.extract import api_mode_of_run
from icecat_akeneo.steps.report_outcomes import accepted_status, row_batches

if TYPE_CHECKING:
    from icecat_akeneo.pipeline import SyncRun

IDENTIFIERS_PER_SEARCH = 100
CLOCK_POLL_SECONDS, CLOCK_POLLS = 0.5, 10  # waits at most 5 s for Akeneo's clock to pass a write
log = logging.getLogger(__name__)

VALUE_BUILDING_VERSION = "1"
"""Bump when the code that turns records into Akeneo values changes what it produces: every mark goes stale."""


@dataclass(frozen=True)
class Selected:
    """A product as this run's extract read it from Akeneo."""

    identifier: str
    updated: str | None
    family: str | None
    parent: str | None


def fingerprint(mapping: Mapping[str, object], taxonomy: bytes, *, manual_edits_win: bool) -> str:
    """What, besides Icecat's content, shapes a product's values: a change rebuilds every product."""
    digest = hashlib.sha256(VALUE_BUILDING_VERSION.encode())
    digest.update(json.dumps(mapping, sort_keys=True, default=str).encode())
    digest.update(taxonomy)
    digest.update(b"manual_edits_win" if manual_edits_win else b"ours_win")
    return digest.hexdigest()


def akeneo_time(text: str) -> dt.datetime:
    """Akeneo's `updated` (`2026-12-02T15:04:05+00:00`) as an aware datetime."""
    moment = dt.datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def settled(akeneo_updated: str, clock_before_read: dt.datetime | None) -> bool:
    """Whether a read of the product proves every later edit will move its `updated`: Akeneo's clock, before
    the read, was already in a later second than the product's `updated` (both have 1-second resolution)."""
    if clock_before_read is None:
        return False
    return clock_before_read.replace(microsecond=0) > akeneo_time(akeneo_updated).replace(microsecond=0)


def rebuild_reason(product: Selected, mark: Mark | None, status: str | None, current_fingerprint: str,
                   index_generated: dt.datetime | None, index_updated: Mapping[int, dt.datetime]) -> str | None:
    """Why this product must be rebuilt, or None: it is unchanged and may be skipped."""
    if mark is None:
        return "no mark of a fully accepted build"
    if status != "synced":
        return f"state is {status or 'new'}"
    if product.parent:
        return "variant product (its model's values come from all its variants)"
    if mark.fingerprint != current_fingerprint:
        return "mapping, taxonomy or value building changed"
    if product.family != mark.family:
        return "family changed"
    if product.updated is None or akeneo_time(product.updated) > akeneo_time(mark.akeneo_updated):
        return "updated in Akeneo since our last write"
    if index_generated is None or _utc(mark.proven_at) < _utc(index_generated) - DAILY_INDEX_WINDOW:
        return "no daily index proves the Icecat content current"
    icecat_id = int(mark.icecat_id) if mark.icecat_id and mark.icecat_id.isdigit() else None
    if icecat_id is None:
        return "no Icecat product id"
    listed = index_updated.get(icecat_id)
    if listed is not None and (mark.icecat_updated is None or _utc(listed) > _utc(mark.icecat_updated)):
        return "newer content in Icecat"
    return None


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


# --- adapter: the run's files, the state store and Akeneo ------------------------------------------------------
def selected_batches(run_dir: Path) -> Iterator[list[Selected]]:
    """The extracted products with what the decision reads of them, a row group's batch at a time (a 1M
    selection is never held whole here)."""
    parquet = pq.ParquetFile(PRODUCTS.path(run_dir))
    for batch in parquet.iter_batches(batch_size=IN_CLAUSE_CHUNK, columns=["identifier", "updated", "family",
                                                                            "parent"]):
        yield [Selected(str(row["identifier"]), row["updated"], row["family"], row["parent"])
               for row in batch.to_pylist()]


def run_fingerprint(sync: SyncRun) -> str:
    """What shapes this run's values besides Icecat's content: its mapping (params aside), taxonomy, rule."""
    taxonomy = TAXONOMY.path(sync.run.path)
    described = sync.mapping.model_dump(mode="json", exclude={"params"})
    return fingerprint(described, taxonomy.read_bytes() if taxonomy.exists() else b"",
                       manual_edits_win=bool(sync.params.get("manual_edits_win", True)))


def unchanged_of_run(sync: SyncRun) -> frozenset[str]:
    """The products this run (or shard) skips, decided with today's daily index (`choose_unchanged`)."""
    index = daily_index(sync.icecat, next(iter(sync.mapping.languages)))
    return choose_unchanged(sync.state, sync.run.path, run_fingerprint(sync), index,
                            rebuild_all=bool(sync.params.get("rebuild_all")))


def choose_unchanged(store: StateStore, run_dir: Path, current_fingerprint: str, index: DailyIndex | None, *,
                     rebuild_all: bool) -> frozenset[str]:
    """The products this run skips; the marks of every other one are dropped (re-marked only if its build is
    accepted again), and the skipped ones' marks are proven current by today's index."""
    marks, skipped = ProductMarks(store), set[str]()
    generated, updated = (index.generated, index.updated) if index else (None, {})
    for products in selected_batches(run_dir):
        known = marks.get(product.identifier for product in products)
        if not known:
            continue
        statuses = {state.identifier: state.status for state in store.products_among(known)}
        kept = set() if rebuild_all else {
            product.identifier for product in products if rebuild_reason(
                product, known.get(product.identifier), statuses.get(product.identifier), current_fingerprint,
                generated, updated) is None}
        marks.drop(name for name in known if name not in kept)
        if kept and generated is not None:
            marks.prove(kept, _utc(generated))
        skipped |= kept
    return frozenset(skipped)


def skipped_unchanged(run_dir: Path) -> int:
    """How many products enrich skipped as unchanged (0 before enrich ran)."""
    path = LOOKUPS.path(run_dir)
    if not path.exists():
        return 0
    outcomes = pq.read_table(path, columns=["outcome"]).column(0).to_pylist()
    return sum(1 for outcome in outcomes if outcome == Outcome.UNCHANGED)


def _spoiled(run_dir: Path) -> Iterator[tuple[str, None]]:
    """The built products that may not be marked: quarantined, with a value transform rejected, or with a
    refused or undelivered line."""
    yield from parquet_pairs(QUARANTINE.path(run_dir), "identifier")
    yield from parquet_pairs(REJECTED.path(run_dir), "identifier")
    yield from ((identifier, None) for identifier, code in parquet_pairs(RESULTS.path(run_dir), "identifier",
                                                                          "status_code") if not accepted_status(code))


def built_and_accepted(run_dir: Path, keyed: KeyedStore) -> Iterator[dict[str, dict[str, Any]]]:
    """`{identifier: lookup row}` of the products this run built whose every line Akeneo accepted (found, and
    none of `_spoiled`), a batch of lookups at a time: the spoiled ones are put into `keyed` (a scratch store)
    and asked per batch, so no catalogue-wide dict is held."""
    keyed.put("spoiled", _spoiled(run_dir))
    for rows in row_batches(LOOKUPS.path(run_dir), ["outcome", "icecat_id", "updated"]):
        found = {row["identifier"]: row for row in rows if row["outcome"] == Outcome.FOUND}
        spoiled = keyed.get_many("spoiled", found)
        built = {identifier: row for identifier, row in found.items() if identifier not in spoiled}
        if built:
            yield built


def mark_after_load(sync: SyncRun) -> int:
    """Read the built products back from Akeneo and mark those that hold exactly what Akeneo accepted from us,
    with the `updated` Akeneo returned, a batch of built products at a time; returns how many were marked."""
    return asyncio.run(_mark_all(sync))


async def _mark_all(sync: SyncRun) -> int:
    """`mark_after_load` with one Akeneo client (one token) for every batch."""
    run_dir, current_fingerprint = sync.run.path, run_fingerprint(sync)
    proven_at = dt.datetime.fromtimestamp(PRODUCTS.path(run_dir).stat().st_mtime, dt.UTC)
    uuid_mode = api_mode_of_run(run_dir) == "uuid"
    marked = 0
    with tempfile.TemporaryDirectory() as scratch, KeyedStore(Path(scratch) / "marks.sqlite") as keyed:
        if uuid_mode:  # the run's names of the uuids `/products-uuid` answers with, asked per batch
            keyed.put("uuid", ((name, uuid) for name, uuid in parquet_pairs(PRODUCTS.path(run_dir), "identifier",
                                                                            "uuid") if uuid))
        async with AkeneoClient(sync.akeneo) as akeneo:
            for built in built_and_accepted(run_dir, keyed):
                by_uuid = {uuid: name for name, uuid in keyed.get_many("uuid", built).items()} if uuid_mode else None
                try:
                    marked += await _mark_batch(akeneo, sync, built, by_uuid, current_fingerprint, proven_at)
                except AkeneoError as error:  # the rest not marked: the next run rebuilds them, the load stands
                    log.warning("products not read back, the rest not marked unchanged: %s", error)
                    break
    return marked


async def _mark_batch(akeneo: AkeneoClient, sync: SyncRun, built: Mapping[str, Mapping[str, Any]],
                      by_uuid: Mapping[str, str] | None, current_fingerprint: str, proven_at: dt.datetime) -> int:
    """Mark the products of one batch of `built_and_accepted` that Akeneo holds as it accepted them."""
    store = sync.state
    names = sorted(state.identifier for state in store.products_among(built) if state.status == ProductStatus.SYNCED)
    if not names:
        return 0
    accepted_hashes = store.accepted_hashes(names)
    read = await _read_back(akeneo, names, by_uuid)
    marks = {}
    for name, (product, clock) in read.items():
        if name not in built:
            continue
        if product.get("parent") or not settled(product["updated"], clock):
            continue
        held = value_entries(product.get("values") or {})
        if any(value_hash(held.get(key)) != data_hash for key, data_hash in accepted_hashes[name].items()):
            continue  # edited in Akeneo since our write: the next run rebuilds it (and reports the edit)
        row = built[name]
        marks[name] = Mark(product["updated"], product.get("family"), str(row["icecat_id"]) if row.get(
            "icecat_id") else None, row.get("updated"), current_fingerprint, proven_at)
    ProductMarks(store).put(marks)
    return len(marks)


async def _read_back(akeneo: AkeneoClient, names: list[str], by_uuid: Mapping[str, str] | None
                     ) -> dict[str, tuple[dict[str, Any], dt.datetime | None]]:
    """`{identifier: (product, Akeneo's clock before it was read)}` (`by_uuid`: the run's names of the uuids, when
    the run reads `/products-uuid`); a product read within the second of its `updated` is read once more after
    Akeneo's clock has passed that second, so a load's last writes can be marked too."""
    def name_of(product: dict[str, Any]) -> str:
        return by_uuid.get(product.get("uuid"), "") if by_uuid is not None else str(product.get("identifier"))

    found: dict[str, tuple[dict[str, Any], dt.datetime | None]] = {}

    async def read(chunk: list[str], clock: dt.datetime | None) -> None:
        search = {"identifier": [{"operator": "IN", "value": chunk}]}
        async for page in akeneo.iter_product_pages(search, by_uuid=by_uuid is not None):
            found.update({name_of(product): (product, clock) for product in page})

    for attempt in range(2):
        await akeneo.check_credentials()
        todo = [name for name in names if name not in found or not settled(found[name][0]["updated"],
                                                                            found[name][1])]
        if attempt and todo:
            await _until_clock_passes(akeneo, max((found[name][0]["updated"] for name in todo if name in found),
                                                  key=akeneo_time, default=None))
        # the searches run side by side; the clock is taken before all of them (an earlier clock settles less)
        await asyncio.gather(*(read(todo[start:start + IDENTIFIERS_PER_SEARCH], akeneo.server_clock)
                               for start in range(0, len(todo), IDENTIFIERS_PER_SEARCH)))
    found.pop("", None)
    return found


async def _until_clock_passes(akeneo: AkeneoClient, latest_updated: str | None) -> None:
    """Wait until Akeneo's `Date` is in a later second than `latest_updated`. A server (or the proxy in front
    of it) may stamp `Date` from a clock refreshed once a second, so one second's sleep is not always enough;
    after `CLOCK_POLLS` polls the read goes ahead and what is still unsettled is simply not marked."""
    for _ in range(CLOCK_POLLS):
        await asyncio.sleep(CLOCK_POLL_SECONDS)
        await akeneo.api_info()  # a fresh answer: Akeneo's clock now
        clock = akeneo.server_clock
        if latest_updated is None or settled(latest_updated, clock):
            return
