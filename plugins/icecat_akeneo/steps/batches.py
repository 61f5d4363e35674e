"""Bounded-memory reading for the steps after enrich: a product's records in batches, and keyed look-ups.

Validate and transform used to read `enrich/records.parquet` whole and build catalogue-wide dicts (the GTIN of
every product, the set of found or quarantined ones, every product's Akeneo values): 1 GB at 3,000 products,
out of reach at 1M. Here the records come in batches of whole products (`product_batches`), and what a step
needs to know about other artifacts is asked per batch of identifiers from an SQLite file written beside the
step's output (`KeyedStore`), so the memory a step holds depends on the batch size, not the catalogue size.
"""
from __future__ import annotations

import shutil
import sqlite3
import tempfile
import weakref
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import TracebackType
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

PRODUCTS_PER_BATCH = 200
READ_ROWS = 500
SQLITE_VARIABLES = 900
"""Identifiers per `IN (...)` query: below SQLite's oldest default limit of 999 bound variables."""

ProductRows = tuple[str, list[dict[str, Any]]]


def _lengths(chunk: pa.RecordBatch) -> pa.RecordBatch:
    """Every list column replaced by its length, null for an empty list (a count, not a million dicts)."""
    columns = []
    for column in chunk.columns:
        if pa.types.is_list(column.type):
            length = pc.list_value_length(column)
            column = pc.if_else(pc.equal(length, 0), pa.scalar(None, length.type), length)
        columns.append(column)
    return pa.RecordBatch.from_arrays(columns, names=chunk.schema.names)


def row_chunks(path: Path, columns: list[str] | None, read_rows: int) -> Iterator[pa.RecordBatch]:
    """The file's rows, `read_rows` decoded at a time, one row group after the other, giving pyarrow's
    buffers back to the OS after each group: `iter_batches` over the whole file kept decoded row groups in
    the memory pool, so a step's RSS grew with the file. Rows are decoded a batch at a time, not a group at a
    time, so the writers can write few large groups (the metadata of many small ones grows with the file)."""
    parquet = pq.ParquetFile(path)
    wanted = None if columns is None else [name for name in parquet.schema_arrow.names if name in columns]
    pool = pa.default_memory_pool()
    for group in range(parquet.metadata.num_row_groups):
        yield from parquet.iter_batches(batch_size=read_rows, row_groups=[group], columns=wanted)
        pool.release_unused()


def product_batches(path: Path, products_per_batch: int = PRODUCTS_PER_BATCH, *, read_rows: int = READ_ROWS,
                    columns: list[str] | None = None, list_lengths: bool = False) -> Iterator[list[ProductRows]]:
    """(identifier, rows) of every product of a Parquet artifact, `products_per_batch` products at a time;
    only `columns` when named (plus `identifier`), and with `list_lengths` lists read as their lengths.

    Relies on the artifact's contract that a product's rows are contiguous (enrich adds a product's records
    together); a product split by a row group or a read batch still comes out whole, in one batch."""
    if not path.exists():
        return
    batch: list[ProductRows] = []
    current: ProductRows | None = None
    wanted = None if columns is None else ["identifier", *columns]
    for chunk in row_chunks(path, wanted, read_rows):
        for row in (_lengths(chunk) if list_lengths else chunk).to_pylist():
            if current is None or row["identifier"] != current[0]:
                if current is not None:
                    batch.append(current)
                if len(batch) >= products_per_batch:
                    yield batch
                    batch = []
                current = (row["identifier"], [])
            current[1].append(row)
    if current is not None:
        batch.append(current)
    if batch:
        yield batch


def parquet_pairs(path: Path, key: str, value: str | None = None, *,
                  where: tuple[str, str] | None = None) -> Iterator[tuple[str, Any]]:
    """(key, value) of every row of a Parquet artifact, read a row group at a time (value None if unnamed);
    `where=(column, wanted)` keeps only the rows whose `column` equals `wanted`."""
    if not path.exists():
        return
    columns = [key, *([value] if value else []), *([where[0]] if where else [])]
    for chunk in row_chunks(path, columns, READ_ROWS):
        for row in chunk.to_pylist():
            if where is None or row[where[0]] == where[1]:
                yield row[key], row[value] if value else None


class KeyedStore:
    """Tables `identifier -> value` in one SQLite file: filled once from the artifacts, read per batch.

    The file is a scratch file of the step (deleted on close): the run folder keeps only the artifacts."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)
        self.path = path
        # a scratch store's finalizer may run in another thread (garbage collection during a threaded load)
        self._db = sqlite3.connect(path, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=OFF")
        self._db.execute("PRAGMA synchronous=OFF")
        self.counts: dict[str, int] = {}

    @classmethod
    def scratch(cls, owner: object, prefix: str) -> KeyedStore:
        """A store in a temporary folder of its own, removed with the folder when `owner` goes: outside the
        run folder, so never published with the run's artifacts."""
        folder = Path(tempfile.mkdtemp(prefix=prefix))
        store = cls(folder / "keys.sqlite")
        weakref.finalize(owner, _remove_folder, store, folder)
        return store

    def put(self, table: str, pairs: Iterable[tuple[str, Any]]) -> int:
        """Fill `table` (a name of our own, never input) with (identifier, value); the first value wins."""
        self._db.execute(f"CREATE TABLE {table} (identifier TEXT PRIMARY KEY, value)")
        cursor = self._db.executemany(f"INSERT OR IGNORE INTO {table} VALUES (?, ?)", pairs)
        self._db.commit()
        self.counts[table] = cursor.rowcount if cursor.rowcount >= 0 else 0
        return self.counts[table]

    def get_many(self, table: str, identifiers: Iterable[str]) -> dict[str, Any]:
        """The rows of `table` for these identifiers (identifiers absent from it are absent from the answer)."""
        wanted = list(dict.fromkeys(identifiers))
        found: dict[str, Any] = {}
        for start in range(0, len(wanted), SQLITE_VARIABLES):
            chunk = wanted[start:start + SQLITE_VARIABLES]
            marks = ",".join("?" * len(chunk))
            found.update(self._db.execute(
                f"SELECT identifier, value FROM {table} WHERE identifier IN ({marks})", chunk))
        return found

    def pairs(self, table: str) -> Iterator[tuple[str, Any]]:
        """Every (identifier, value) of `table`, streamed from the file."""
        yield from self._db.execute(f"SELECT identifier, value FROM {table}")

    def count_common(self, table: str, other: str) -> int:
        """How many identifiers are in both tables (e.g. found and quarantined)."""
        return self._db.execute(f"SELECT COUNT(*) FROM {table} JOIN {other} USING (identifier)").fetchone()[0]

    def close(self) -> None:
        self._db.close()
        self.path.unlink(missing_ok=True)

    def __enter__(self) -> KeyedStore:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()


def _remove_folder(store: KeyedStore, folder: Path) -> None:
    store.close()
    shutil.rmtree(folder, ignore_errors=True)
