"""Async Icecat client: lookup by GTIN → Brand+MPN → icecat_id, extra languages by icecat_id, retries,
adaptive concurrency, a circuit breaker (`transport.py`), and an on-disk cache checked against the daily
index.

Peers call Icecat once per product and language, sequentially, and die on the first 429. Here every call
goes through the transport's AIMD window, retries and breaker; products are streamed through `enrich_many`
(results come out as they finish; nothing accumulates), and a product whose cached content the daily index
proves unchanged costs no content call at all. Bodies and URLs are redacted before they enter a message.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator, Iterable
from typing import Any

import httpx
import orjson

from icecat_akeneo.icecat.daily_index import DailyIndex, index_key, parse_daily_index
from icecat_akeneo.icecat.fields import NormalizeError
from icecat_akeneo.icecat.lookup import (
    FATAL_ERROR,
    FOUND,
    NO_IDENTIFIERS,
    NOT_IN_ICECAT,
    RETRYABLE_ERROR,
    Answer,
    LookupResult,
    ProductKeys,
    classify,
)
from icecat_akeneo.icecat.normalize import normalize_response
from icecat_akeneo.icecat.record import ProductRecord
from icecat_akeneo.icecat.transport import ClientCounters, IcecatSettings, IcecatTransport, IcecatUnavailable

__all__ = ["ClientCounters", "DailyIndex", "IcecatClient", "IcecatSettings", "IcecatUnavailable", "index_key"]

log = logging.getLogger(__name__)


class IcecatClient(IcecatTransport):
    """Use as `async with IcecatClient(settings) as client:`."""

    async def _product_answer(self, params: dict[str, str], lang: str) -> Answer:
        try:
            response = await self._send("GET", "/api", params={**self._auth_params(lang), **params})
        except IcecatUnavailable as exc:
            return Answer(RETRYABLE_ERROR, str(exc))
        if response.status_code == 200:
            found = _found_data(response.content)
            if isinstance(found, dict):
                return Answer(FOUND, data=found)
            if found is not None:
                return Answer(
                    FATAL_ERROR, f"Icecat answered HTTP 200 with a body that is not JSON (truncated at byte {found})"
                )
        answer = classify(response.status_code, response.content)
        message = self._redact(answer.message or "")
        if answer.outcome == RETRYABLE_ERROR:
            message += f" (gave up after {self.settings.retry.max_attempts} attempts)"
        return Answer(answer.outcome, message or None, answer.data)

    # --- lookups -------------------------------------------------------------------------------------------
    async def lookup(self, keys: ProductKeys, languages: list[str]) -> LookupResult:
        """One product in every language: GTIN → Brand+MPN → icecat_id first, then icecat_id per language."""
        if not languages:
            raise ValueError("lookup needs at least one Icecat language")
        candidates = keys.candidates()
        if not candidates:
            return LookupResult(NO_IDENTIFIERS, message="no GTIN, brand + MPN or icecat_id to look up")
        cached = await self._cached_result(candidates, languages)
        if cached is not None:
            return cached
        primary, misses = languages[0], []
        for matched_by, params in candidates:
            answer = await self._product_answer(params, primary)
            if answer.outcome == FOUND:
                break
            if answer.outcome != NOT_IN_ICECAT:
                return LookupResult(answer.outcome, message=f"{matched_by}: {answer.message}")
            misses.append(f"{matched_by}: {answer.message}")
        else:
            return LookupResult(NOT_IN_ICECAT, message="; ".join(misses))
        try:
            first = await self._record(
                answer.data or {}, primary, f"{matched_by} {'/'.join(params.values())}"
            )
        except NormalizeError as exc:
            return LookupResult(FATAL_ERROR, matched_by, message=str(exc))
        if self.cache:
            self.cache.remember(matched_by, "|".join(params.values()), first.icecat_id)
        records, problems = [first], []
        for lang in languages[1:]:
            extra = await self._product_answer({"icecat_id": str(first.icecat_id)}, lang)
            if extra.outcome != FOUND:
                problems.append(f"{lang}: {extra.outcome}: {extra.message}")
                continue
            try:
                records.append(await self._record(extra.data or {}, lang, f"icecat_id {first.icecat_id}"))
            except NormalizeError as exc:
                problems.append(f"{lang}: {exc}")
        return LookupResult(FOUND, matched_by, first.icecat_id, records, "; ".join(problems) or None)

    async def _record(self, data: dict[str, Any], lang: str, source: str) -> ProductRecord:
        record = normalize_response(data, lang, source=source, scope=self.settings.record_scope)
        if self.cache:
            index = await self.daily_index_once(lang)
            self.cache.store_content(
                record, data, index.updated.get(record.icecat_id) if index else None, _utcnow()
            )
        return record

    async def _cached_result(
        self, candidates: list[tuple[str, dict[str, str]]], languages: list[str]
    ) -> LookupResult | None:
        """The product from the cache when the daily index proves every language unchanged, else None."""
        if self.cache is None:
            return None
        for matched_by, params in candidates:
            icecat_id = self.cache.resolved(matched_by, "|".join(params.values()))
            if icecat_id is not None:
                break
        else:
            return None
        records = []
        for lang in languages:
            entry = self.cache.content(icecat_id, lang)
            index = await self.daily_index_once(lang)
            if (
                entry is None
                or index is None
                or not entry.unchanged_per(index.updated.get(icecat_id), index.generated)
            ):
                return None
            self.cache.prove_current(icecat_id, lang, entry, index.generated)
            if entry.record is not None:
                records.append(entry.record)
                continue
            try:
                record = normalize_response(entry.data or {}, lang, source=f"cache {icecat_id}/{lang}",
                                            scope=self.settings.record_scope)
            except NormalizeError:
                return None
            self.cache.store_record(record, entry)
            records.append(record)
        self.counters.cache_hits += 1
        return LookupResult(FOUND, matched_by, icecat_id, records, from_cache=True)

    async def enrich_many(
        self, keys: Iterable[tuple[str, ProductKeys]], languages: list[str]
    ) -> AsyncIterator[tuple[str, LookupResult]]:
        """(identifier, result) for every input, in completion order; only a window of work is in flight."""
        pending = iter(keys)
        workers = self.settings.max_concurrency
        results: asyncio.Queue[tuple[str, LookupResult] | None] = asyncio.Queue(maxsize=2 * workers)

        async def work() -> None:
            try:
                for identifier, product_keys in pending:
                    try:
                        result = await self.lookup(product_keys, languages)
                    except Exception as exc:  # noqa: BLE001 - one product's bug must not lose the others
                        log.exception("Icecat lookup of %s failed", identifier)
                        result = LookupResult(FATAL_ERROR, message=f"{type(exc).__name__}: {exc}")
                    await results.put((identifier, result))
            finally:
                await results.put(None)

        tasks = [asyncio.create_task(work()) for _ in range(workers)]
        finished = 0
        try:
            while finished < workers:
                item = await results.get()
                if item is None:
                    finished += 1
                else:
                    yield item
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    # --- index files, data creation, connection check ------------------------------------------------------
    def _index_auth(self) -> httpx.BasicAuth:
        return httpx.BasicAuth(self.settings.username, self.settings.app_key or "")

    async def daily_index(self, lang: str) -> DailyIndex:
        """Icecat's daily index for `lang`: {icecat_id: Updated} of the products changed in the last day."""
        base = (self.settings.index_base_url or self.settings.base_url).rstrip("/")
        self.counters.index_requests += 1
        response = await self._send(
            "GET",
            f"{base}/export/freexml/{lang.upper()}/daily.index.xml",
            count_as_product=False,
            auth=self._index_auth(),
        )
        if response.status_code != 200:
            raise IcecatUnavailable(f"Icecat daily index {lang}: HTTP {response.status_code}")
        try:
            return parse_daily_index(response.content)
        except ET.ParseError as exc:
            raise IcecatUnavailable(f"Icecat daily index {lang}: not well-formed XML: {exc}") from None

    async def daily_index_once(self, lang: str) -> DailyIndex | None:
        """The daily index, fetched once per client (run); None when unavailable (cache then unused)."""
        key = lang.upper()
        async with self._index_lock:
            if key not in self._indexes:
                try:
                    self._indexes[key] = await self.daily_index(key)
                except (IcecatUnavailable, NormalizeError) as exc:
                    log.warning("Icecat cache disabled for %s this run: %s", key, exc)
                    self._indexes[key] = None
            return self._indexes[key]

    async def request_data_creation(self, keys: ProductKeys, lang: str = "EN") -> str:
        """Ask Icecat to create content for a product it lacks; returns the request id."""
        url = (
            self.settings.data_creation_url or f"{self.settings.base_url.rstrip('/')}/data-creation/requests"
        )
        body = {"gtin": keys.gtin, "brand": keys.brand, "mpn": keys.mpn, "lang": lang.upper()}
        response = await self._send(
            "POST", url, count_as_product=False, params=self._auth_params(lang), json=body
        )
        try:
            answer = response.json()
        except ValueError:
            answer = {}
        if response.status_code not in (200, 201, 202) or not answer.get("id"):
            raise IcecatUnavailable(
                f"Icecat data-creation request for {keys}: HTTP {response.status_code}: "
                f"{self._redact(response.text[:200])}"
            )
        return str(answer["id"])

    async def check_access(self) -> tuple[bool, str]:
        """Whether the account is accepted: a lookup of a product that does not exist must say "not found"."""
        answer = await self._product_answer({"icecat_id": "1"}, "EN")
        if answer.outcome in (FOUND, NOT_IN_ICECAT):
            return True, f"Icecat accepted user {self.settings.username!r} at {self.settings.base_url}"
        return False, f"Icecat refused user {self.settings.username!r}: {answer.message}"


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _found_data(body: bytes) -> dict[str, Any] | int | None:
    """The `data` object of a 200 answer, parsed once with orjson (the answers are 50-150 KB: parsing them is
    most of the client's CPU); the byte offset where parsing stopped when it is not JSON; None otherwise."""
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError:
        return _not_json_at(body)
    data = document.get("data") if isinstance(document, dict) else None
    return data if isinstance(data, dict) else None


def _not_json_at(body: bytes) -> int:
    """Where the standard parser stops in a body orjson refused (it names the offending byte, not 0, in
    invalid UTF-8); 0 when it does parse after all."""
    try:
        json.loads(body)
    except json.JSONDecodeError as exc:
        return exc.pos
    except UnicodeDecodeError as exc:
        return exc.start
    return 0
