"""Reads and writes of the per-product marks (`models.ProductMark`), under the run's product names.

Why a module of its own: the marks are the state of one decision (`unchanged.py`: may a rerun skip this
product?), read once per run before enrich and written once after the load's read-back; the store's other
tables never need them.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass

from sqlalchemy import delete, select, update

from icecat_akeneo.state.models import ProductMark
from icecat_akeneo.state.rows import chunks
from icecat_akeneo.state.store import IN_CLAUSE_CHUNK, StateStore

MARK = ProductMark.__table__
MARK_COLUMNS = ("akeneo_updated", "family", "icecat_id", "icecat_updated", "fingerprint", "proven_at")


@dataclass(frozen=True)
class Mark:
    """One product's mark (see `ProductMark` for each field)."""

    akeneo_updated: str
    family: str | None
    icecat_id: str | None
    icecat_updated: dt.datetime | None
    fingerprint: str
    proven_at: dt.datetime


class ProductMarks:
    """The marks of one client's products, named as the run names them (uuid keys when the store has them)."""

    def __init__(self, store: StateStore) -> None:
        self.store = store

    def get(self, names: Iterable[str]) -> dict[str, Mark]:
        """`{name: mark}` of the products that have one."""
        keyed = self.store.keys.keys(names)
        marks: dict[str, Mark] = {}
        with self.store._connect() as connection:
            for chunk in chunks(keyed, IN_CLAUSE_CHUNK):
                query = select(MARK.c.identifier, *(MARK.c[column] for column in MARK_COLUMNS)).where(
                    MARK.c.client == self.store.client, MARK.c.identifier.in_(chunk))
                for key, *fields in connection.execute(query):
                    marks[keyed[key]] = Mark(*fields)
        return marks

    def put(self, marks: Mapping[str, Mark]) -> None:
        """Set (or replace) these products' marks, in one transaction."""
        if not marks:
            return
        now = self.store.clock()
        rows = sorted(({"identifier": self.store.keys.key(name), **asdict(mark), "marked_at": now}
                       for name, mark in marks.items()), key=lambda row: row["identifier"])
        with self.store._begin() as connection:
            self.store._upsert(connection, MARK, rows, ["client", "identifier"], [*MARK_COLUMNS, "marked_at"])

    def prove(self, names: Iterable[str], moment: dt.datetime) -> None:
        """Icecat's daily index generated at `moment` proved these products' content still current."""
        keys = sorted(self.store.keys.keys(names))
        with self.store._begin() as connection:
            for chunk in chunks(keys, IN_CLAUSE_CHUNK):
                connection.execute(update(MARK).where(MARK.c.client == self.store.client,
                                                      MARK.c.identifier.in_(chunk), MARK.c.proven_at < moment)
                                   .values(proven_at=moment))

    def drop(self, names: Iterable[str]) -> None:
        """Forget these products' marks: their next run rebuilds them."""
        keys = sorted(self.store.keys.keys(names))
        with self.store._begin() as connection:
            for chunk in chunks(keys, IN_CLAUSE_CHUNK):
                connection.execute(delete(MARK).where(MARK.c.client == self.store.client,
                                                      MARK.c.identifier.in_(chunk)))
