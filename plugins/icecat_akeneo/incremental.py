"""The state store bound to one sync run: what each step asks of "what did Akeneo already accept?".

- transform: `values_to_send` keeps only values whose hash differs from what Akeneo last accepted (and
  keeps manual edits made in the PIM, listed in `transform/manual_edits.parquet`);
- load: `line_filter` drops values accepted since the transform ran (a cleared/rerun load task does no
  double work), `on_line_result` moves the state on Akeneo's 2xx answers only, `media_decision` reuses a
  file Akeneo already has instead of uploading it again;
- extract: `icecat_side_searches` adds the products Icecat changed (daily index) to an incremental selection;
- enrich: `pending` lists the products waiting for Icecat content; `after_enrich` keeps the lookups'
  outcomes and asks Icecat to create missing content; validate: `after_validate` marks the quarantined.
The state moves only on Akeneo's answers, so a run killed at any point resumes without loss.
"""
from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from icecat_akeneo.akeneo.lines import LineResult
from icecat_akeneo.artifacts import LOOKUPS, MANUAL_EDITS, PRODUCTS, QUARANTINE, ParquetStream, Step, step_dir
from icecat_akeneo.catalog.levels import model_code
from icecat_akeneo.diff import ManualEdit, ValueKey, Values, partial_values, value_entries, value_hash
from icecat_akeneo.icecat.lookup import Outcome
from icecat_akeneo.mapping import ClientMapping
from icecat_akeneo.state import ProductStatus, StateStore
from icecat_akeneo.steps.batches import KeyedStore, parquet_pairs, product_batches
from icecat_akeneo.steps.extract import product_uuid_pairs

if TYPE_CHECKING:
    from icecat_akeneo.icecat.client import IcecatSettings

FLUSH_EVERY = 200
IDENTIFIERS_PER_SEARCH = 100


def failure_reason(result: LineResult) -> str:
    """`<status>: <Akeneo's message> [attribute/locale/scope] <error>`: what to fix, for the product's state."""
    return f"{result.status_code or 'not delivered'}: {result.detail or 'no answer'}"


def _manual_edit_row(edit: ManualEdit) -> dict[str, Any]:
    return {**asdict(edit), "ours": json.dumps(edit.ours, ensure_ascii=False),
            "theirs": json.dumps(edit.theirs, ensure_ascii=False)}


def _utc(moment: dt.datetime) -> dt.datetime:
    """Index timestamps come naive (Icecat's are UTC); the state's are aware."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


class IncrementalRun:
    def __init__(self, store: StateStore, mapping: ClientMapping, run_dir: Path, *, manual_edits_win: bool,
                 heartbeat: Callable[[], None] = lambda: None) -> None:
        self.store, self.mapping, self.run_dir, self.heartbeat = store, mapping, run_dir, heartbeat
        # products keyed by uuid in the state once extract read them (a renamed SKU keeps its state)
        store.use_uuids(lambda: product_uuid_pairs(run_dir) if PRODUCTS.path(run_dir).exists() else None)
        self.manual_edits_win = manual_edits_win
        self.overrides = {f.attribute: f.manual_edits_win for f in mapping.fields if f.manual_edits_win is not None}
        self._manual_edits: ParquetStream | None = None   # opened by the first manual edit kept
        self._current: dict[str, Values] | None = None
        self._since_transform: dict[str, dict[ValueKey, str]] = {}
        self._superseded: set[str] = set()
        self._accepted_buffer: dict[str, Values] = {}
        self._failed_buffer: dict[str, str | None] = {}
        self._failed: dict[str, str] = {}  # identifier -> first refusal of this attempt
        self._url_codes: dict[str, str | None] = {}  # the media round's URLs (`prepare`): code, None if none

    @property
    def current(self) -> dict[str, Values]:
        """The Akeneo values (when extract read them) of the products in hand: the transform's batch
        (`load_batch`) or the load's batch file (`load_lines`); never the whole catalogue."""
        return self._current or {}

    @cached_property
    def _keyed(self) -> KeyedStore:
        """Each product's Akeneo values and fetched Icecat date, asked per batch by the load (a scratch file,
        removed when this run object goes)."""
        keyed = KeyedStore.scratch(self, "icecat-akeneo-load-")
        keyed.put("held", parquet_pairs(PRODUCTS.path(self.run_dir), "identifier", "values_json"))
        keyed.put("updated", ((identifier, _utc(updated).isoformat()) for identifier, updated
                              in parquet_pairs(LOOKUPS.path(self.run_dir), "identifier", "updated") if updated))
        return keyed

    # --- transform -------------------------------------------------------------------------------------------
    @cached_property
    def accepted(self) -> dict[str, dict[ValueKey, str]]:
        """Hashes of what Akeneo accepted from us, for every product of the run (one query, not one each)."""
        return self.store.accepted_hashes(self.current.keys())

    def load_batch(self, current: dict[str, Values]) -> None:
        """Narrow `current` and `accepted` to one batch of products (the transform streams the catalogue in
        batches and hands each batch's Akeneo values over before asking `values_to_send` about them)."""
        self._current = current
        self.__dict__.pop("accepted", None)

    def values_to_send(self, identifier: str, desired: Values) -> Values:
        result = partial_values(desired, self.accepted.get(identifier, {}), self.current.get(identifier, {}),
                                manual_edits_win=self.manual_edits_win, per_attribute_override=self.overrides,
                                identifier=identifier)
        if result.manual_edits:
            if self._manual_edits is None:
                self._manual_edits = MANUAL_EDITS.stream(self.run_dir)
            self._manual_edits.extend(_manual_edit_row(edit) for edit in result.manual_edits)
        return result.values_to_send

    def write_manual_edits(self) -> dict[str, Any]:
        """Close `transform/manual_edits.parquet` (streamed as the edits are met: a catalogue the client
        edited by hand is not held in memory), empty when no edit was kept."""
        edits = self._manual_edits or MANUAL_EDITS.stream(self.run_dir)
        self._manual_edits = None
        edits.close()
        return {"manual_edits_kept": edits.rows_written, "manual_edits": str(edits.path)}

    # --- load ------------------------------------------------------------------------------------------------
    def load_lines(self, identifiers: list[str]) -> None:
        """Narrow what the load consults to one batch file's products (`line_filter`, media): their Akeneo
        values, the values Akeneo accepted after this run's transform wrote its lines (an earlier try of this
        load), and those whose Icecat content in the state is newer than this run's (another run delivered
        it meanwhile: this run's older values must not roll Akeneo back)."""
        held = self._keyed.get_many("held", identifiers)
        self._current = {identifier: json.loads(held.get(identifier) or "{}") for identifier in identifiers}
        written = dt.datetime.fromtimestamp(step_dir(self.run_dir, Step.TRANSFORM).stat().st_mtime, dt.UTC)
        self._since_transform = self.store.accepted_hashes(identifiers, since=written)
        fetched = self._keyed.get_many("updated", identifiers)
        self._superseded = {p.identifier for p in self.store.products_among(fetched) if p.icecat_updated
                            and _utc(p.icecat_updated) > dt.datetime.fromisoformat(fetched[p.identifier])}

    def _in_hand(self, identifier: str) -> None:
        if identifier not in self.current:
            self.load_lines([identifier])

    def line_filter(self, line: dict[str, Any]) -> dict[str, Any] | None:
        """The line without the values an earlier try of this load got accepted (a cleared or retried load
        task does no double work); None when nothing is left, or when the line holds older Icecat content
        than the state (see `load_lines`, which the load calls per batch file)."""
        self._in_hand(line["identifier"])
        if line["identifier"] in self._superseded:
            return None
        accepted = self._since_transform.get(line["identifier"], {})
        values: Values = {}
        for key, data in value_entries(line.get("values") or {}).items():
            if accepted.get(key) != value_hash(data):
                values.setdefault(key[0], []).append({"locale": key[1], "scope": key[2], "data": data})
        return {**line, "values": values} if values or line.get("associations") else None

    def on_line_result(self, result: LineResult) -> None:
        """Judge a product by every line of this load attempt together (values and media): one refused or
        undelivered line makes it `failed` with that line's reason, whatever succeeds after it."""
        if not result.identifier:
            return
        if result.ok and result.sent:
            merged = self._accepted_buffer.setdefault(result.identifier, {})
            for attribute, entries in (result.sent.get("values") or {}).items():
                merged.setdefault(attribute, []).extend(entries)
        elif not result.ok:
            reason = failure_reason(result)
            self._failed.setdefault(result.identifier, reason)
            self._failed_buffer[result.identifier] = self._failed[result.identifier]
        if len(self._accepted_buffer) + len(self._failed_buffer) >= FLUSH_EVERY:
            self.flush()

    def flush(self) -> None:
        """Write what Akeneo accepted (and refused) since the last flush, in one transaction each. Accepted
        values are always kept (they are in Akeneo); a product with a refused line never turns `synced`."""
        self.heartbeat()
        if self._accepted_buffer:
            self.store.record_accepted_many(self._accepted_buffer, not_synced=self._failed.keys())
            self._accepted_buffer = {}
        if self._failed_buffer:
            self.store.mark_many(self._failed_buffer, ProductStatus.FAILED)
            self._failed_buffer = {}

    # media (the load step's MediaRegistry) --------------------------------------------------------------------
    def prepare(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """The next round of media rows: their products' Akeneo values and their URLs' codes are read in one go
        (one state query per row and per product made the load's media CPU-bound in the state store)."""
        self.load_lines(list(dict.fromkeys(row["identifier"] for row in rows)))
        urls = {row["url"] for row in rows}
        known = self.store.media_codes_for_urls(urls)
        self._url_codes = {url: known.get(url) for url in urls}

    def already_applied(self, row: Mapping[str, Any]) -> bool:
        """Akeneo holds the very file this URL gave last time: nothing to download, nothing to send."""
        code = self.code_for_url(row["url"])
        return code is not None and self.held_value(row) == code

    def code_for_url(self, url: str) -> str | None:
        if url in self._url_codes:
            return self._url_codes[url]
        return self.store.media_codes_for_urls([url]).get(url)

    def held_value(self, row: Mapping[str, Any]) -> Any:
        """What Akeneo held for this row's value when the run read the product (asset collections)."""
        self._in_hand(row["identifier"])
        return value_entries(self.current.get(row["identifier"], {})).get(
            (row["attribute"], row.get("locale"), row.get("scope")))

    def code_for_content(self, sha256: str) -> str | None:
        return self.store.media_code(sha256)

    def remember(self, row: Mapping[str, Any], sha256: str, code: str) -> None:
        if row["url"] in self._url_codes:
            self._url_codes[row["url"]] = code
        self.store.remember_media(sha256, code, identifier=row["identifier"], attribute=row["attribute"],
                                  locale=row.get("locale"), scope=row.get("scope"), url=row["url"])

    # --- extract and enrich ----------------------------------------------------------------------------------
    def icecat_side_searches(self, icecat: IcecatSettings) -> list[dict[str, Any]]:
        """The selected products whose Icecat content changed (the daily index) and those waiting for Icecat
        (enrich looks them up only if the index lists them), even when nobody touched them in Akeneo during
        the interval: Akeneo searches of at most IDENTIFIERS_PER_SEARCH identifiers."""
        from icecat_akeneo.icecat.updates import icecat_updates

        updates = icecat_updates(icecat, next(iter(self.mapping.languages)))
        changed = sorted({*self.changed_in_icecat(updates), *self.pending()})
        base = self.mapping.akeneo_search(None)
        return [{**base, "identifier": [{"operator": "IN", "value": changed[i:i + IDENTIFIERS_PER_SEARCH]}]}
                for i in range(0, len(changed), IDENTIFIERS_PER_SEARCH)]

    def pending(self) -> dict[str, str]:
        return {p.identifier: p.reason or "waiting for Icecat content" for p in self.store.pending()}

    def changed_in_icecat(self, updates: Mapping[int, dt.datetime]) -> list[str]:
        """Products we matched before whose Icecat content is newer than what we last fetched."""
        return sorted(p.identifier for p in self.store.products()
                      if p.icecat_id and p.icecat_id.isdigit() and int(p.icecat_id) in updates
                      and (p.icecat_updated is None or _utc(updates[int(p.icecat_id)]) > _utc(p.icecat_updated)))

    def needs_data_creation(self, identifiers: Iterable[str]) -> list[str]:
        """Products not in Icecat for which no data-creation request was sent yet (one request per product)."""
        wanted = set(identifiers)
        return sorted(p.identifier for p in self.store.products(ProductStatus.PENDING_IN_ICECAT)
                      if p.identifier in wanted and not p.data_creation_request_id)

    def after_enrich(self, icecat: IcecatSettings) -> dict[str, Any]:
        """Keep enrich's outcomes in the state, then ask Icecat once per product to create the content it
        lacks (`data_creation_requested` for the step report)."""
        from icecat_akeneo.steps.enrich import request_data_creation

        lookups = LOOKUPS.rows(self.run_dir)
        self.record_lookups(lookups)
        missing = self.needs_data_creation(r["identifier"] for r in lookups if r["outcome"] == Outcome.NOT_IN_ICECAT)
        requested = request_data_creation(icecat, self.run_dir, missing) if missing else {}
        for identifier, request_id in requested.items():
            self.store.record_data_creation_request(identifier, request_id)
        return {"data_creation_requested": len(requested)}

    def after_validate(self) -> None:
        """Mark the products validate quarantined, with the rule and the reason (of its last row), a batch of
        products at a time."""
        for batch in product_batches(QUARANTINE.path(self.run_dir), columns=["rule", "message"]):
            reasons = {identifier: f"{rows[-1]['rule']}: {rows[-1]['message']}" for identifier, rows in batch}
            self.store.mark_many(reasons, ProductStatus.QUARANTINED)

    def summary(self, now: dt.datetime | None = None) -> dict[str, Any]:
        """Per-status counts and the age of the oldest pending product, for the run report."""
        now = now or dt.datetime.now(dt.UTC)
        everything = self.store.products()
        models = [p for p in everything if model_code(p.identifier) is not None]  # `model:<code>` rows
        products = [p for p in everything if model_code(p.identifier) is None]
        pending = [p for p in products if p.status == ProductStatus.PENDING_IN_ICECAT]
        oldest = min((p.status_since for p in pending if p.status_since), default=None)
        return {
            "products_by_status": dict(Counter(p.status or "seen" for p in products)),
            "pending_in_icecat": len(pending),
            "pending_oldest_days": round((now - oldest).total_seconds() / 86400, 2) if oldest else None,
            "data_creation_requested": sum(1 for p in pending if p.data_creation_request_id),
            **({"product_models_by_status": dict(Counter(p.status or "seen" for p in models))} if models else {}),
        }

    def record_lookups(self, lookups: Iterable[Mapping[str, Any]]) -> None:
        """Refresh Icecat matches and statuses from enrich's outcomes."""
        from icecat_akeneo.state import SeenProduct

        rows = list(lookups)
        self.store.record_seen(SeenProduct(r["identifier"], str(r["icecat_id"]) if r.get("icecat_id") else None,
                                           r.get("updated")) for r in rows)
        waiting = {r["identifier"]: r.get("message") for r in rows if r["outcome"] == Outcome.NOT_IN_ICECAT}
        failed = {r["identifier"]: f"{r['outcome']}: {r.get('message')}" for r in rows
                  if Outcome(r["outcome"]).is_failure}
        if waiting:
            self.store.mark_many(waiting, ProductStatus.PENDING_IN_ICECAT)
        if failed:
            self.store.mark_many(failed, ProductStatus.FAILED)
