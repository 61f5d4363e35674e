"""On-disk cache of Icecat answers, so an unchanged product costs no Icecat call on the next run.

Three kinds of files under `cache_dir`:
- `content/<icecat_id>/<LANG>.json`: the raw `data` object Icecat sent, its `Updated`, when it was fetched,
  and the daily-index `Updated` seen then: the source of truth;
- `content/<icecat_id>/<LANG>.record.json`: the same stamps plus the normalized record, so a hit reads a
  small file and skips decoding and normalizing the raw answer (most of a no-change rerun's time). It names
  the normalizer version and the raw file (inode, mtime, size) it was made from; when either differs, or
  it is missing or damaged, the raw answer is used and the record rewritten;
- `keys/<hash>.json`: the Icecat id a lookup key (GTIN, brand+MPN, icecat_id) resolved to, and its kind.

An entry is reused only when Icecat's daily index proves the product did not change since it was fetched:
the entry is younger than the index window (24 h) and the index does not list the product with a newer
`Updated`. Anything else (no index, older entry, newer Updated) means "fetch again". Files are written
atomically (temp file + rename), so parallel workers and crashed runs never leave half an entry.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from icecat_akeneo.icecat.record import ProductRecord
from icecat_akeneo.icecat.record_json import NORMALIZER_VERSION, record_from_row_json, record_to_row_json

DAILY_INDEX_WINDOW = dt.timedelta(hours=24)


RawVersion = tuple[int, int, int]
"""(inode, mtime in ns, size) of a raw content file: changes whenever the file is replaced."""


@dataclass(frozen=True)
class CachedContent:
    updated: dt.datetime | None
    fetched_at: dt.datetime
    index_updated: dt.datetime | None
    raw_version: RawVersion
    record: ProductRecord | None = None  # the stored normalized record, when a current one exists
    data: dict[str, Any] | None = None  # else the raw answer, to normalize (and `store_record`)

    def unchanged_per(self, index_updated: dt.datetime | None, index_generated: dt.datetime | None) -> bool:
        """True when the daily index (listing `index_updated` for this product, or None) proves no change."""
        if index_generated is None or self.fetched_at < index_generated - DAILY_INDEX_WINDOW:
            return False
        if index_updated is None:
            return True
        known = [stamp for stamp in (self.updated, self.index_updated) if stamp is not None]
        return bool(known) and index_updated <= max(known)


def _stamp(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def _unstamp(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def _version_of(stat: os.stat_result) -> RawVersion:
    return stat.st_ino, stat.st_mtime_ns, stat.st_size


def _write_atomically(path: Path, payload: dict[str, Any]) -> RawVersion:
    """Write `payload` as JSON; the version of the file written (a rename keeps inode and mtime)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(payload, stream, ensure_ascii=False, separators=(",", ":"))
        version = _version_of(os.stat(temporary))
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return version


def _read_versioned(path: Path) -> tuple[Any, RawVersion] | None:
    """The decoded JSON and the version of exactly the file read; None when missing or damaged (a damaged
    entry is a miss, never a crash: it gets rewritten)."""
    try:
        with path.open("rb") as stream:
            return json.load(stream), _version_of(os.fstat(stream.fileno()))
    except (OSError, ValueError):
        return None


def _read(path: Path) -> Any:
    found = _read_versioned(path)
    return found[0] if found else None


def _current_version(path: Path) -> RawVersion | None:
    try:
        return _version_of(path.stat())
    except OSError:
        return None


class IcecatCache:
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def _content_path(self, icecat_id: int, lang: str) -> Path:
        return self.root / "content" / str(icecat_id) / f"{lang.upper()}.json"

    def _record_path(self, icecat_id: int, lang: str) -> Path:
        return self.root / "content" / str(icecat_id) / f"{lang.upper()}.record.json"

    def _key_path(self, kind: str, value: str) -> Path:
        digest = hashlib.sha256(f"{kind}\0{value.strip().lower()}".encode()).hexdigest()
        return self.root / "keys" / f"{digest[:40]}.json"

    def content(self, icecat_id: int, lang: str) -> CachedContent | None:
        """The entry, with its stored record when a current one exists, else with the raw answer."""
        return self._stored_record(icecat_id, lang) or self._raw_content(icecat_id, lang)

    def _stored_record(self, icecat_id: int, lang: str) -> CachedContent | None:
        entry = _read(self._record_path(icecat_id, lang))
        try:
            if entry["normalizer"] != NORMALIZER_VERSION:
                return None
            raw_version = tuple(entry["raw_version"])
            if raw_version != _current_version(self._content_path(icecat_id, lang)):
                return None
            return CachedContent(
                _unstamp(entry["updated"]),
                _unstamp(entry["fetched_at"]),
                _unstamp(entry["index_updated"]),
                raw_version,
                record=record_from_row_json(entry["record"]),
            )
        except (AttributeError, KeyError, TypeError, ValueError):
            return None  # missing, damaged or another normalizer's: the raw answer decides

    def _raw_content(self, icecat_id: int, lang: str) -> CachedContent | None:
        found = _read_versioned(self._content_path(icecat_id, lang))
        if found is None or not isinstance(found[0], dict) or not isinstance(found[0].get("data"), dict):
            return None
        entry, raw_version = found
        try:
            return CachedContent(
                _unstamp(entry.get("updated")),
                _unstamp(entry["fetched_at"]),
                _unstamp(entry.get("index_updated")),
                raw_version,
                data=entry["data"],
            )
        except (KeyError, TypeError, ValueError):
            return None

    def store_content(
        self,
        record: ProductRecord,
        data: dict[str, Any],
        index_updated: dt.datetime | None,
        fetched_at: dt.datetime,
    ) -> None:
        """Icecat's raw answer `data` and the `record` normalized from it."""
        raw_version = _write_atomically(
            self._content_path(record.icecat_id, record.lang),
            {
                "data": data,
                "updated": _stamp(record.updated),
                "fetched_at": _stamp(fetched_at),
                "index_updated": _stamp(index_updated),
            },
        )
        self.store_record(record, CachedContent(record.updated, fetched_at, index_updated, raw_version))

    def store_record(self, record: ProductRecord, entry: CachedContent) -> None:
        """The record normalized from the raw answer `entry` was read from."""
        _write_atomically(
            self._record_path(record.icecat_id, record.lang),
            {
                "normalizer": NORMALIZER_VERSION,
                "raw_version": entry.raw_version,
                "updated": _stamp(entry.updated),
                "fetched_at": _stamp(entry.fetched_at),
                "index_updated": _stamp(entry.index_updated),
                "record": record_to_row_json(record),
            },
        )

    def resolved(self, kind: str, value: str) -> int | None:
        entry = _read(self._key_path(kind, value))
        return int(entry["icecat_id"]) if entry and str(entry.get("icecat_id", "")).isdigit() else None

    def remember(self, kind: str, value: str, icecat_id: int) -> None:
        _write_atomically(self._key_path(kind, value), {"kind": kind, "value": value, "icecat_id": icecat_id})
