"""SQLite storage for products and media files, so a million products fit in bounded memory.

One row per product: the resource as JSON plus the indexed columns the filters and pagination use. The
uuid and the identifier (optional since Akeneo 7) have unique indexes, built after the bulk seed (rows are
appended in seed order, which keeps seeding 1M products fast), so `search_after` paging on either is an
index range scan.
A reset must restore the seeded catalogue quickly even at 1M products, so writes are copy-on-write: the
first write to a product saves its seeded row in `originals`, and a reset puts back only those rows.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from typing import Any

COLUMNS = "uuid, identifier, family, enabled, created, updated, body"
ORDERS = ("identifier", "uuid")  # the identifier API lists by identifier (and skips products without one)
MEDIA_FIELDS = ("code", "original_filename", "mime_type", "size", "extension")
MEDIA_FIELDS_SQL = ", ".join(MEDIA_FIELDS)
SCHEMA = """
CREATE TABLE IF NOT EXISTS products (
    uuid TEXT NOT NULL, identifier TEXT, family TEXT, enabled INTEGER, created TEXT, updated TEXT,
    body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS originals (
    uuid TEXT PRIMARY KEY, identifier TEXT, family TEXT, enabled INTEGER, created TEXT, updated TEXT, body TEXT
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS media (
    code TEXT PRIMARY KEY, original_filename TEXT, mime_type TEXT, size INTEGER, extension TEXT, data BLOB
);
"""
INDEXES = """
CREATE UNIQUE INDEX IF NOT EXISTS products_uuid ON products (uuid);
CREATE UNIQUE INDEX IF NOT EXISTS products_identifier ON products (identifier);
CREATE INDEX IF NOT EXISTS products_family ON products (family);
CREATE INDEX IF NOT EXISTS products_enabled ON products (enabled);
CREATE INDEX IF NOT EXISTS products_updated ON products (updated);
CREATE INDEX IF NOT EXISTS products_created ON products (created);
"""


def _row(product: dict[str, Any]) -> tuple[Any, ...]:
    return (
        product["uuid"],
        product["identifier"],
        product["family"],
        int(product["enabled"]),
        product["created"],
        product["updated"],
        json.dumps(product, ensure_ascii=False, separators=(",", ":")),
    )


class Store:
    """Products and media of one sandbox, in one SQLite file (recreated at start)."""

    def __init__(self, path: str) -> None:
        self.db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=OFF")
        self.db.execute("PRAGMA cache_size=-32000")  # 32 MB page cache, whatever the catalogue size
        self.db.executescript(
            "DROP TABLE IF EXISTS products; DROP TABLE IF EXISTS originals; DROP TABLE IF EXISTS media;" + SCHEMA
        )

    def close(self) -> None:
        self.db.close()

    # --- seeding and reset ---
    def seed(self, products: Iterable[dict[str, Any]]) -> int:
        """Bulk-load the seeded products (indexes are built afterwards: much faster at 1M rows)."""
        count = 0

        def rows() -> Iterator[tuple[Any, ...]]:
            nonlocal count
            for product in products:
                count += 1
                yield _row(product)

        with self.db:
            self.db.execute("BEGIN")
            self.db.executemany(f"INSERT OR REPLACE INTO products ({COLUMNS}) VALUES (?,?,?,?,?,?,?)", rows())
        # a fixture listing one product twice keeps the last, as INSERT OR REPLACE does once indexed
        self.db.execute("DELETE FROM products WHERE rowid NOT IN (SELECT max(rowid) FROM products GROUP BY uuid)")
        self.db.executescript(INDEXES)
        self.db.execute("ANALYZE")
        return count

    def restore(self) -> None:
        """Put back every product written since the seed, and forget uploaded media."""
        with self.db:
            self.db.execute("BEGIN")
            self.db.execute("DELETE FROM products WHERE uuid IN (SELECT uuid FROM originals)")
            self.db.execute(f"INSERT INTO products ({COLUMNS}) SELECT {COLUMNS} FROM originals WHERE body IS NOT NULL")
            self.db.execute("DELETE FROM originals")
            self.db.execute("DELETE FROM media")

    # --- products ---
    def get(self, identifier: str) -> dict[str, Any] | None:
        return self._one("identifier", identifier)

    def by_uuid(self, uuid: str) -> dict[str, Any] | None:
        return self._one("uuid", uuid)

    def _one(self, column: str, key: str) -> dict[str, Any] | None:
        row = self.db.execute(f"SELECT body FROM products WHERE {column} = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def put(self, product: dict[str, Any]) -> None:
        self._keep_original(product["uuid"])
        self.db.execute(f"INSERT OR REPLACE INTO products ({COLUMNS}) VALUES (?,?,?,?,?,?,?)", _row(product))

    def delete(self, uuid: str) -> None:
        self._keep_original(uuid)
        self.db.execute("DELETE FROM products WHERE uuid = ?", (uuid,))

    def _keep_original(self, uuid: str) -> None:
        self.db.execute(
            f"INSERT OR IGNORE INTO originals ({COLUMNS}) SELECT ?, identifier, family, enabled, created, "
            "updated, body FROM (SELECT 1) LEFT JOIN products ON uuid = ?",
            (uuid, uuid),
        )

    def scan(
        self, where: str, params: list[Any], after: str | None = None, offset: int = 0, order: str = "identifier"
    ) -> Iterator[dict[str, Any]]:
        """Products matching an SQL condition, in `order` (identifier or uuid), after a cursor and/or an offset."""
        assert order in ORDERS
        sql = f"SELECT body FROM products WHERE ({where}) AND {order} IS NOT NULL"
        args = list(params)
        if after is not None:
            sql += f" AND {order} > ?"
            args.append(after)
        sql += f" ORDER BY {order}"
        if offset:
            sql += " LIMIT -1 OFFSET ?"
            args.append(offset)
        for (body,) in self.db.execute(sql, args):
            yield json.loads(body)

    def count(self, where: str, params: list[Any], order: str = "identifier") -> int:
        assert order in ORDERS
        sql = f"SELECT count(*) FROM products WHERE ({where}) AND {order} IS NOT NULL"
        return int(self.db.execute(sql, params).fetchone()[0])

    # --- media ---
    def add_media(self, code: str, filename: str, mime_type: str, data: bytes) -> None:
        extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
        self.db.execute(
            "INSERT OR REPLACE INTO media VALUES (?,?,?,?,?,?)",
            (code, filename, mime_type, len(data), extension, data),
        )

    def media(self, code: str) -> dict[str, Any] | None:
        row = self.db.execute(f"SELECT {MEDIA_FIELDS_SQL} FROM media WHERE code = ?", (code,)).fetchone()
        return dict(zip(MEDIA_FIELDS, row, strict=True)) if row else None

    def media_bytes(self, code: str) -> bytes | None:
        row = self.db.execute("SELECT data FROM media WHERE code = ?", (code,)).fetchone()
        return bytes(row[0]) if row else None

    def media_page(self, offset: int, limit: int) -> list[dict[str, Any]]:
        rows = self.db.execute(
            f"SELECT {MEDIA_FIELDS_SQL} FROM media ORDER BY code LIMIT ? OFFSET ?", (limit, offset)
        ).fetchall()
        return [dict(zip(MEDIA_FIELDS, row, strict=True)) for row in rows]

    def media_count(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM media").fetchone()[0])

    def delete_media(self, code: str) -> None:
        self.db.execute("DELETE FROM media WHERE code = ?", (code,))
