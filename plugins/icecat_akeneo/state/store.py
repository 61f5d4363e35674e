"""`StateStore`: reads and transactional writes of one client's sync state (see the package docstring).

Writes are upserts sent as one executemany per table inside one transaction, so a batch of 100 PATCH
results costs two statements, and a process killed mid-way leaves either the whole batch or none of it.
A store used before `migrate()` fails on the missing `state_*` tables: call `migrate()` at the start of a run.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from sqlalchemy import Connection, Table, case, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from icecat_akeneo.diff import ValueKey, value_hashes
from icecat_akeneo.state.engine import engine_for
from icecat_akeneo.state.keys import ProductKeys, UuidLoader, UuidPairs, adopt_uuids
from icecat_akeneo.state.migrate import current_revision, head_revision, upgrade_to_head
from icecat_akeneo.state.models import AcceptedValue, MediaFile, Product, ProductStatus
from icecat_akeneo.state.rows import (
    PRODUCT_STATE_COLUMNS,
    ProductState,
    SeenProduct,
    checked_status,
    chunks,
    loaded,
    stored,
)

IN_CLAUSE_CHUNK = 500
ComputedUpdates = Callable[[Any], Mapping[str, Any]]
PRODUCT = Product.__table__
VALUE = AcceptedValue.__table__
MEDIA = MediaFile.__table__
VALUE_KEY = ["client", "identifier", "attribute", "locale", "scope"]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class StateStore:
    """One client's state in the database at `url` (SQLite file or PostgreSQL); call `migrate()` first.

    Callers name products as the run's files do; with `use_uuids` the store keys them by uuid (`state.keys`)."""

    def __init__(self, url: str, client: str, *, clock: Callable[[], dt.datetime] = utc_now) -> None:
        self.url = url
        self.client = client
        self.clock = clock
        self.engine = engine_for(url)
        self.keys = ProductKeys()

    def use_uuids(self, loader: UuidLoader) -> None:
        """Key products by uuid from now on: `loader` gives `{name: uuid}` or (name, uuid) pairs (None until
        extract wrote them); rows
        still keyed by one of those identifiers move to its uuid when it first answers."""
        self.keys = ProductKeys(loader, self._adopt_uuids)

    def _adopt_uuids(self, pairs: UuidPairs) -> None:
        with self.engine.begin() as connection:
            adopt_uuids(connection, self.client, pairs)

    def _begin(self) -> Any:
        """A write transaction, once the run's uuids are known (adopting them is a transaction of its own,
        never nested in another: SQLite would wait on itself)."""
        self.keys.load()  # the uuids (and their adoption) first
        return self.engine.begin()

    def _connect(self) -> Any:
        self.keys.load()
        return self.engine.connect()

    def __enter__(self) -> StateStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self.engine.dispose()

    # --- schema -------------------------------------------------------------------------------------------
    def migrate(self) -> None:
        """Upgrade the schema to the newest migration; a no-op when it is already there."""
        upgrade_to_head(self.engine)

    def is_current(self) -> bool:
        return current_revision(self.engine) == head_revision()

    # --- reads --------------------------------------------------------------------------------------------
    def accepted_hashes(self, identifiers: Iterable[str], *, since: dt.datetime | None = None
                        ) -> dict[str, dict[ValueKey, str]]:
        """`{identifier: {(attribute, locale, scope): hash}}` of what Akeneo last accepted (`{}`: nothing);
        with `since`, only values accepted at or after that moment (e.g. by an earlier try of this load)."""
        hashes: dict[str, dict[ValueKey, str]] = {}
        names = self.keys.keys(identifiers)
        with self._connect() as connection:
            for chunk in chunks(names, IN_CLAUSE_CHUNK):
                hashes.update({names[key]: {} for key in chunk})
                query = select(VALUE.c.identifier, VALUE.c.attribute, VALUE.c.locale, VALUE.c.scope,
                               VALUE.c.data_hash).where(VALUE.c.client == self.client,
                                                        VALUE.c.identifier.in_(chunk))
                if since is not None:
                    query = query.where(VALUE.c.updated_at >= since)
                for key, attribute, locale, scope, data_hash in connection.execute(query):
                    hashes[names[key]][(attribute, loaded(locale), loaded(scope))] = data_hash
        return hashes

    def products(self, status: ProductStatus | str | None = None) -> list[ProductState]:
        """Every known product of the client (optionally only those with `status`), by identifier."""
        query = self._product_query()
        if status is not None:
            query = query.where(PRODUCT.c.status == checked_status(status))
        with self._connect() as connection:
            states = self._named(connection.execute(query))
        return sorted(states, key=lambda state: state.identifier)

    def products_among(self, identifiers: Iterable[str]) -> list[ProductState]:
        """The known products among `identifiers` (a batch of the run's products, not the client's all)."""
        names = self.keys.keys(identifiers)
        with self._connect() as connection:
            return [state for chunk in chunks(names, IN_CLAUSE_CHUNK)
                    for state in self._named(connection.execute(self._product_query().where(
                        PRODUCT.c.identifier.in_(chunk))))]

    def product(self, identifier: str) -> ProductState | None:
        """The product the run calls `identifier`; a store that knows no uuids (CLI, UI) finds a uuid-keyed
        product by the identifier last seen."""
        key = self.keys.key(identifier)
        query = self._product_query().where(or_(PRODUCT.c.identifier == key,
                                                PRODUCT.c.akeneo_identifier == identifier))
        with self._connect() as connection:
            rows = connection.execute(query.order_by((PRODUCT.c.identifier == key).desc())).all()
        return self._named(rows[:1])[0] if rows else None

    def _product_query(self) -> Any:
        return select(*PRODUCT_STATE_COLUMNS, PRODUCT.c.akeneo_identifier).where(PRODUCT.c.client == self.client)

    def _named(self, rows: Iterable[Any]) -> list[ProductState]:
        """State rows under the names the run uses for them (`ProductKeys.name`), asked per chunk of rows."""
        states = []
        for chunk in chunks(rows, IN_CLAUSE_CHUNK):
            names = self.keys.names(row.identifier for row in chunk)
            for row in chunk:
                fields = dict(row._mapping)
                identifier, akeneo_identifier = fields["identifier"], fields.pop("akeneo_identifier")
                fields["identifier"] = names.get(identifier) or akeneo_identifier or identifier
                states.append(ProductState(**fields))
        return states

    def pending(self, max_age: dt.timedelta | None = None) -> list[ProductState]:
        """Products waiting for Icecat content, oldest first; with `max_age`, only those pending no longer."""
        query = self._product_query().where(PRODUCT.c.status == ProductStatus.PENDING_IN_ICECAT.value)
        if max_age is not None:
            query = query.where(PRODUCT.c.status_since >= self.clock() - max_age)
        with self._connect() as connection:
            return self._named(connection.execute(query.order_by(PRODUCT.c.status_since, PRODUCT.c.identifier)))

    def media_code(self, sha256: str) -> str | None:
        """The Akeneo media code of a file with this content, if it was uploaded before."""
        query = select(MEDIA.c.code).where(MEDIA.c.client == self.client, MEDIA.c.sha256 == sha256)
        with self._connect() as connection:
            return connection.execute(query).scalar_one_or_none()

    def media_codes_for_urls(self, urls: Iterable[str]) -> dict[str, str]:
        """`{url: code}` of the file last uploaded from each URL (absent: never), a round of media rows at once."""
        query = select(MEDIA.c.url, MEDIA.c.code).where(MEDIA.c.client == self.client).order_by(MEDIA.c.uploaded_at)
        with self._connect() as connection:  # the latest upload of a URL wins
            return {url: code for chunk in chunks(sorted(set(urls)), IN_CLAUSE_CHUNK)
                    for url, code in connection.execute(query.where(MEDIA.c.url.in_(chunk)))}

    # --- writes -------------------------------------------------------------------------------------------
    def record_seen(self, products: Iterable[SeenProduct]) -> None:
        """Refresh `last_seen` and the Icecat match of products met by this run (creating unknown ones).

        A `None` Icecat id or date keeps the known one: extract sees products before enrich matches them.
        A product given several times (one row per language) is written once, its last row winning.
        """
        now, seen = self.clock(), {product.identifier: product for product in products}
        keyed = self.keys.keys(seen)
        rows = [{"identifier": key, "icecat_id": seen[keyed[key]].icecat_id, "last_seen": now,
                 "icecat_updated": seen[keyed[key]].icecat_updated} for key in sorted(keyed)]

        def keep_known_match(excluded: Any) -> dict[str, Any]:
            """A `None` keeps the known value; an older Icecat date never replaces a newer one (two runs
            interleaving must not make the state believe older content is current)."""
            known = PRODUCT.c.icecat_updated
            newer = case((known.is_(None), excluded.icecat_updated),
                         (excluded.icecat_updated > known, excluded.icecat_updated), else_=known)
            return {"icecat_id": func.coalesce(excluded.icecat_id, PRODUCT.c.icecat_id), "icecat_updated": newer}

        with self._begin() as connection:
            self._upsert_products(connection, rows, ["last_seen", "akeneo_identifier"], keep_known_match)

    def record_accepted(self, identifier: str, values: Mapping[str, list[Mapping[str, Any]]]) -> None:
        """Akeneo answered 2xx to this product's PATCH line with `values`: remember them, mark it synced."""
        self.record_accepted_many({identifier: values})

    def record_accepted_many(self, accepted: Mapping[str, Mapping[str, list[Mapping[str, Any]]]], *,
                             not_synced: Iterable[str] = ()) -> None:
        """`record_accepted` for many lines (e.g. one collection PATCH response) in one transaction; the
        products in `not_synced` (another of their lines was refused) keep their values but not `synced`.

        Rows go in sorted key order, so two writers on PostgreSQL lock rows in the same order and never
        deadlock."""
        now, refused = self.clock(), set(self.keys.keys(not_synced))
        accepted = {key: accepted[name] for key, name in self.keys.keys(accepted).items()}
        value_rows = [{"identifier": identifier, "attribute": attribute, "locale": stored(locale),
                       "scope": stored(scope), "data_hash": data_hash, "updated_at": now}
                      for identifier, values in accepted.items()
                      for (attribute, locale, scope), data_hash in value_hashes(values).items()]
        synced = {"status": ProductStatus.SYNCED.value, "reason": None, "status_since": now, "attempts": 0,
                  "last_seen": now, "last_synced": now}
        value_rows.sort(key=lambda row: (row["identifier"], row["attribute"], row["locale"], row["scope"]))
        product_rows = [{"identifier": identifier, **synced} for identifier in sorted(accepted)
                        if identifier not in refused]
        if not value_rows and not product_rows:
            return
        with self._begin() as connection:
            if value_rows:
                self._upsert(connection, VALUE, value_rows, VALUE_KEY, ["data_hash", "updated_at"])
            self._upsert_products(connection, product_rows, list(synced))

    def mark(self, identifier: str, status: ProductStatus | str, reason: str | None = None) -> None:
        """Set a product's status (e.g. `failed` with Akeneo's message as reason)."""
        self.mark_many({identifier: reason}, status)

    def mark_many(self, reasons: Mapping[str, str | None], status: ProductStatus | str) -> None:
        """Set `status` on every product of `{identifier: reason}` in one transaction."""
        now, checked = self.clock(), checked_status(status)
        keyed = {key: reasons[name] for key, name in self.keys.keys(reasons).items()}
        rows = [{"identifier": key, "status": checked, "reason": keyed[key], "status_since": now}
                for key in sorted(keyed)]
        with self._begin() as connection:
            self._upsert_products(connection, rows, ["status", "reason", "status_since"])

    def bump_attempt(self, identifier: str) -> int:
        """Count one more failed attempt for a product; returns the new count."""
        key = self.keys.key(identifier)
        with self._begin() as connection:
            self._upsert_products(connection, [{"identifier": key, "attempts": 1}], [],
                                  lambda excluded: {"attempts": PRODUCT.c.attempts + 1})
            query = select(PRODUCT.c.attempts).where(PRODUCT.c.client == self.client,
                                                     PRODUCT.c.identifier == key)
            return connection.execute(query).scalar_one()

    def record_data_creation_request(self, identifier: str, request_id: str) -> None:
        """Icecat accepted a data-creation request for this product: never send a second one."""
        rows = [{"identifier": self.keys.key(identifier), "data_creation_request_id": request_id,
                 "data_creation_requested_at": self.clock()}]
        with self._begin() as connection:
            self._upsert_products(connection, rows, ["data_creation_request_id",
                                                     "data_creation_requested_at"])

    def remember_media(self, sha256: str, code: str, *, identifier: str | None = None,
                       attribute: str | None = None, locale: str | None = None, scope: str | None = None,
                       url: str | None = None) -> None:
        """Akeneo stored the file with this content (downloaded from `url`) as `code`, applied to
        identifier/attribute/locale/scope."""
        row = {"sha256": sha256, "code": code, "url": url, "identifier": identifier, "attribute": attribute,
               "locale": locale, "scope": scope, "uploaded_at": self.clock()}
        with self._begin() as connection:
            self._upsert(connection, MEDIA, [row], ["client", "sha256"],
                         [column for column in row if column != "sha256"])

    # --- upserts ------------------------------------------------------------------------------------------
    def _upsert(self, connection: Connection, table: Table, rows: list[dict[str, Any]], keys: list[str],
                updated: list[str], computed: ComputedUpdates | None = None) -> None:
        """INSERT ... ON CONFLICT DO UPDATE of `updated` columns (+ `computed(excluded)`), one executemany."""
        dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
        statement = dialect.insert(table)
        set_ = {column: statement.excluded[column] for column in updated}
        set_.update(computed(statement.excluded) if computed else {})
        statement = statement.on_conflict_do_update(index_elements=keys, set_=set_)
        connection.execute(statement, [{"client": self.client, **row} for row in rows])

    def _upsert_products(self, connection: Connection, rows: list[dict[str, Any]], updated: list[str],
                         computed: ComputedUpdates | None = None) -> None:
        """Insert unknown products (first seen now), update the `updated` columns of known ones.

        `status_since` only moves when the status actually changes, so a pending product keeps its age.
        """
        if not rows:
            return
        now, identifiers = self.clock(), self.keys.identifiers(row["identifier"] for row in rows)
        complete = [{"first_seen": now, "last_seen": now, "attempts": 0,
                     "akeneo_identifier": identifiers[row["identifier"]], **row} for row in rows]

        def product_updates(excluded: Any) -> dict[str, Any]:
            updates = dict(computed(excluded)) if computed else {}
            if "status_since" in updated:
                updates["status_since"] = case(
                    (PRODUCT.c.status.is_distinct_from(excluded.status), excluded.status_since),
                    else_=PRODUCT.c.status_since)
            return updates

        plain = [column for column in updated if column != "status_since"]
        self._upsert(connection, PRODUCT, complete, ["client", "identifier"], plain, product_updates)
