"""The Icecat response cache: one SQLite file per client, so an unchanged product costs no Icecat call.

`<cache_dir>/cache.sqlite` (WAL) holds two tables:
- `content` (icecat_id, lang): Icecat's raw `data` object (orjson, zstd), its `Updated`, when it was
  fetched, the daily-index `Updated` seen then (the source of truth), and the record normalized from it
  with the normalizer's version, so a hit skips decoding and normalizing the raw answer. Both are written
  in one transaction, so a record always belongs to the raw answer beside it; a record of another
  normalizer (or a damaged one) is not used, the raw answer is normalized again and the record rewritten;
- `keys` (kind, value): the Icecat id a lookup key (GTIN, brand+MPN, icecat_id) resolved to.

An entry is reused only when Icecat's daily index proves the product did not change since it was fetched:
the entry is younger than the index window (24 h) and the index does not list the product with a newer
`Updated`. Anything else (no index, older entry, newer Updated) means "fetch again"; so does a damaged entry.
Why one database and not a file per product and language (the previous layout, `content/` and `keys/`,
now ignored): 27,000 small files cost a create, a rename and a directory entry each, and their JSON was
encoded with the standard library; here a write is one row in a transaction that parallel workers (other
processes: shards, retried tasks) serialize through SQLite's lock, never leaving half an entry. A database
file that SQLite cannot open is moved aside (`cache.sqlite.damaged-<time>`) and a new one started.
"""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
import struct
import time
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa

from icecat_akeneo.icecat.record import ProductRecord
from icecat_akeneo.icecat.record_json import NORMALIZER_VERSION, record_from_row_json

log = logging.getLogger(__name__)
DAILY_INDEX_WINDOW = dt.timedelta(hours=24)
DATABASE = "cache.sqlite"
BUSY_TIMEOUT_S = 60.0
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS content (icecat_id INTEGER NOT NULL, lang TEXT NOT NULL, updated TEXT,"
    " fetched_at TEXT NOT NULL, index_updated TEXT, proven_at TEXT, raw BLOB NOT NULL, normalizer TEXT, record BLOB,"
    " generation INTEGER NOT NULL, PRIMARY KEY (icecat_id, lang))",
    "CREATE TABLE IF NOT EXISTS keys (kind TEXT NOT NULL, value TEXT NOT NULL, icecat_id INTEGER NOT NULL,"
    " PRIMARY KEY (kind, value))",
)


@dataclass(frozen=True)
class CachedContent:
    updated: dt.datetime | None
    fetched_at: dt.datetime
    index_updated: dt.datetime | None
    generation: int  # which stored raw answer this is (a newer store replaces it): guards `store_record`
    proven_at: dt.datetime | None = None  # generation time of the newest daily index that proved it unchanged
    record: ProductRecord | None = None  # the stored normalized record, when a current one exists
    data: dict[str, Any] | None = None  # else the raw answer, to normalize (and `store_record`)

    def unchanged_per(self, index_updated: dt.datetime | None, index_generated: dt.datetime | None) -> bool:
        """True when the daily index (listing `index_updated` for this product, or None) proves no change.

        The index covers the window before its generation, so it proves the entry current only when the entry
        was fetched, or proven current by an earlier index (`proven_at`), within that window: a daily run
        keeps its entries for ever without refetching them, a run after a missed day refetches."""
        known_current = max(stamp for stamp in (self.fetched_at, self.proven_at) if stamp is not None)
        if index_generated is None or known_current < index_generated - DAILY_INDEX_WINDOW:
            return False
        if index_updated is None:
            return True
        known = [stamp for stamp in (self.updated, self.index_updated) if stamp is not None]
        return bool(known) and index_updated <= max(known)


def _stamp(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def _unstamp(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


# A blob is ZSTD_MARK + the JSON's length (uint32 LE, zstd needs it to decompress) + a zstd level-1 frame:
# 2.5x faster to write than zlib level 1 (the cache store was a tenth of a first run's enrich CPU), 8x faster
# to read, and smaller. Blobs of earlier versions are zlib streams (first byte 0x78, never ZSTD_MARK): still
# read, so an upgrade does not refetch a whole catalogue.
ZSTD_MARK = b"\x00"
_LENGTH = struct.Struct("<I")
_ZSTD = pa.Codec("zstd", compression_level=1)
MAX_UNPACKED_BYTES = 1 << 30  # a damaged length must not make zstd allocate 4 GB


def _packed(value: Any) -> bytes:
    """`value` as a blob; a ProductRecord is encoded by orjson itself (dataclasses, dates as ISO text): the
    same JSON as `record_to_row_json(record)`, without building that row (tests/test_icecat_cache.py)."""
    encoded = orjson.dumps(value)
    return ZSTD_MARK + _LENGTH.pack(len(encoded)) + _ZSTD.compress(encoded, asbytes=True)


def _unpacked(blob: bytes | None) -> Any:
    """The stored value; ValueError when the blob is damaged (zlib.error and Arrow's errors are not)."""
    if blob is None:
        raise ValueError("nothing stored")
    try:
        if blob[:1] != ZSTD_MARK:
            return orjson.loads(zlib.decompress(blob))
        (length,) = _LENGTH.unpack_from(blob, 1)
        if length > MAX_UNPACKED_BYTES:
            raise ValueError(f"damaged blob: length {length}")
        return orjson.loads(_ZSTD.decompress(blob[1 + _LENGTH.size:], decompressed_size=length, asbytes=True))
    except (zlib.error, struct.error, pa.ArrowException, OSError) as exc:
        raise ValueError(f"damaged blob: {exc}") from None


def _connect(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")  # WAL: a crash may lose the last commits, never corrupt
    for statement in _SCHEMA:
        connection.execute(statement)
    return connection


def _open(path: Path) -> sqlite3.Connection:
    """The database at `path`; one SQLite cannot read is moved aside (a cache: refetching is the cure)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        return _connect(path)
    except sqlite3.DatabaseError as exc:
        aside = path.with_name(f"{path.name}.damaged-{time.strftime('%Y%m%dT%H%M%S')}")
        log.warning("Icecat cache %s is damaged (%s): moved to %s, starting an empty one", path, exc, aside)
        path.replace(aside)
        for suffix in ("-wal", "-shm"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)
        return _connect(path)


class IcecatCache:
    def __init__(self, root: str | Path, normalizer: str = NORMALIZER_VERSION) -> None:
        """`normalizer` names how records are normalized (`record_json.normalizer_key`): only records stored
        under the same name are handed out."""
        self.root, self.normalizer = Path(root), normalizer
        self._db = _open(self.root / DATABASE)

    def close(self) -> None:
        self._db.close()

    def content(self, icecat_id: int, lang: str) -> CachedContent | None:
        """The entry, with its stored record when a current one exists, else with the raw answer; None when
        missing or damaged."""
        row = self._db.execute(
            "SELECT updated, fetched_at, index_updated, generation, proven_at, normalizer, record, raw FROM content"
            " WHERE icecat_id = ? AND lang = ?", (icecat_id, lang.upper())).fetchone()
        if row is None:
            return None
        updated, fetched_at, index_updated, generation, proven_at, normalizer, record, raw = row
        try:
            stamps = (_unstamp(updated), _unstamp(fetched_at), _unstamp(index_updated), generation,
                      _unstamp(proven_at))
            if normalizer == self.normalizer:
                try:
                    return CachedContent(*stamps, record=record_from_row_json(_unpacked(record)))
                except (AttributeError, KeyError, TypeError, ValueError):
                    pass  # damaged or another normalizer's: the raw answer decides
            data = _unpacked(raw)
            return CachedContent(*stamps, data=data) if isinstance(data, dict) else None
        except (TypeError, ValueError):
            return None

    def store_content(
        self,
        record: ProductRecord,
        data: dict[str, Any],
        index_updated: dt.datetime | None,
        fetched_at: dt.datetime,
    ) -> None:
        """Icecat's raw answer `data` and the `record` normalized from it, in one transaction."""
        self._db.execute(
            "INSERT INTO content (icecat_id, lang, updated, fetched_at, index_updated, raw, normalizer, record,"
            " generation) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1) ON CONFLICT (icecat_id, lang) DO UPDATE SET"
            " updated = excluded.updated, fetched_at = excluded.fetched_at, index_updated = excluded.index_updated,"
            " raw = excluded.raw, normalizer = excluded.normalizer, record = excluded.record,"
            " generation = content.generation + 1",
            (record.icecat_id, record.lang.upper(), _stamp(record.updated), _stamp(fetched_at),
             _stamp(index_updated), _packed(data), self.normalizer, _packed(record)))

    def store_record(self, record: ProductRecord, entry: CachedContent) -> None:
        """The record normalized from the raw answer of `entry`; dropped when that answer was replaced since."""
        self._db.execute(
            "UPDATE content SET normalizer = ?, record = ? WHERE icecat_id = ? AND lang = ? AND generation = ?",
            (self.normalizer, _packed(record), record.icecat_id, record.lang.upper(),
             entry.generation))

    def prove_current(
        self, icecat_id: int, lang: str, entry: CachedContent, index_generated: dt.datetime | None
    ) -> None:
        """Record that the daily index generated at `index_generated` proved `entry` unchanged (no write when
        an index at least as recent already did: a second run on the same index costs nothing)."""
        if index_generated is not None and (entry.proven_at is None or entry.proven_at < index_generated):
            self._db.execute("UPDATE content SET proven_at = ? WHERE icecat_id = ? AND lang = ? AND generation = ?",
                             (_stamp(index_generated), icecat_id, lang.upper(), entry.generation))

    def resolved(self, kind: str, value: str) -> int | None:
        row = self._db.execute("SELECT icecat_id FROM keys WHERE kind = ? AND value = ?",
                               (kind, value.strip().lower())).fetchone()
        return int(row[0]) if row and isinstance(row[0], int) else None

    def remember(self, kind: str, value: str, icecat_id: int) -> None:
        self._db.execute("INSERT OR REPLACE INTO keys (kind, value, icecat_id) VALUES (?, ?, ?)",
                         (kind, value.strip().lower(), icecat_id))
