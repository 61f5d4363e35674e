"""The state keyed by uuid (migration 0004_uuid_keys, `state.keys`): identifier-keyed rows of a 0003 database
keep their values when their product's uuid first appears, a renamed SKU keeps its state, a product without
identifier is stored under its uuid. SQLite and PostgreSQL."""
from __future__ import annotations

import datetime as dt
import gc
import tempfile
from pathlib import Path

import pytest
import sqlalchemy
from alembic import command
from icecat_akeneo.diff import value_hash
from icecat_akeneo.state import ProductStatus, SeenProduct, StateStore
from icecat_akeneo.state.engine import engine_for
from icecat_akeneo.state.migrate import alembic_config, current_revision, head_revision

from tests.icecat_akeneo import test_state
from tests.icecat_akeneo.test_state import NAME, name

database_url = test_state.database_url  # the fixture: SQLite, and PostgreSQL where a server answers

DELL = "0d6a2b7e-1c1e-4e8e-9d1c-5f3b2a1e0c01"
HP = "9f0c1d2e-0000-4e8e-9d1c-5f3b2a1e0c02"
WHEN = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.UTC)


def _database_at_0003_with_rows(url: str) -> None:
    """A state database as the connector left it before uuids: rows keyed by identifier."""
    engine = engine_for(url)
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0003_event_cursor")
    with engine.begin() as connection:
        for identifier in ("DEMO-DELL", "DEMO-HP"):
            connection.execute(sqlalchemy.text(
                "INSERT INTO state_product (client, identifier, status, attempts, first_seen, last_seen) "
                "VALUES ('acme', :identifier, 'synced', 0, :when, :when)"), {"identifier": identifier, "when": WHEN})
            connection.execute(sqlalchemy.text(
                "INSERT INTO state_value (client, identifier, attribute, locale, scope, data_hash, updated_at) "
                "VALUES ('acme', :identifier, 'name', 'en_US', 'ecommerce', :hash, :when)"),
                {"identifier": identifier, "hash": value_hash(identifier), "when": WHEN})
    engine.dispose()


def _keys(store: StateStore, table: str) -> list[str]:
    with store.engine.connect() as connection:
        return sorted(row[0] for row in connection.exec_driver_sql(f"SELECT identifier FROM {table}"))


def test_upgrading_a_0003_database_keeps_its_rows_and_the_first_uuid_run_adopts_them(database_url: str) -> None:
    _database_at_0003_with_rows(database_url)
    with StateStore(database_url, "acme") as store:
        assert current_revision(store.engine) == "0003_event_cursor"
        store.migrate()
        assert current_revision(store.engine) == head_revision()
        with store.engine.connect() as connection:
            rows = connection.exec_driver_sql("SELECT identifier, akeneo_identifier FROM state_product").all()
        assert sorted(rows) == [("DEMO-DELL", "DEMO-DELL"), ("DEMO-HP", "DEMO-HP")]
        assert store.accepted_hashes(["DEMO-DELL"]) == {"DEMO-DELL": {NAME: value_hash("DEMO-DELL")}}

    with StateStore(database_url, "acme") as store:  # the first run in UUID mode: only the Dell is selected
        store.use_uuids(lambda: {"DEMO-DELL": DELL})
        assert store.accepted_hashes(["DEMO-DELL"]) == {"DEMO-DELL": {NAME: value_hash("DEMO-DELL")}}
        assert _keys(store, "state_product") == _keys(store, "state_value") == sorted([DELL, "DEMO-HP"])
        assert [(p.identifier, p.status) for p in store.products()] == [("DEMO-DELL", "synced"),
                                                                         ("DEMO-HP", "synced")]


def test_a_renamed_sku_keeps_its_accepted_values(database_url: str) -> None:
    with StateStore(database_url, "acme") as store:
        store.migrate()
        store.use_uuids(lambda: {"DEMO-DELL": DELL})
        store.record_accepted("DEMO-DELL", name("Dell G5"))
    with StateStore(database_url, "acme") as store:  # the next run: the SKU was renamed in Akeneo
        store.use_uuids(lambda: {"DEMO-DELL-NEW": DELL})
        store.record_seen([SeenProduct("DEMO-DELL-NEW")])
        assert store.accepted_hashes(["DEMO-DELL-NEW"]) == {"DEMO-DELL-NEW": {NAME: value_hash("Dell G5")}}
        assert [p.identifier for p in store.products(ProductStatus.SYNCED)] == ["DEMO-DELL-NEW"]
        assert _keys(store, "state_product") == [DELL]
    with StateStore(database_url, "acme") as store:  # a reader that knows no uuids sees the last identifier
        assert [p.identifier for p in store.products()] == ["DEMO-DELL-NEW"]
        assert store.product("DEMO-DELL-NEW").status == ProductStatus.SYNCED and store.product("DEMO-DELL") is None


def test_a_product_without_identifier_is_kept_under_its_uuid(database_url: str) -> None:
    with StateStore(database_url, "acme") as store:
        store.migrate()
        store.use_uuids(lambda: {HP: HP})
        store.record_seen([SeenProduct(HP, icecat_id="1234")])
        store.mark(HP, ProductStatus.FAILED, "422: name too long")
        with store.engine.connect() as connection:
            row = connection.exec_driver_sql("SELECT identifier, akeneo_identifier, status FROM state_product").one()
        assert tuple(row) == (HP, None, "failed")
        assert store.product(HP).reason == "422: name too long"


def test_uuids_are_read_only_once_extract_wrote_them(database_url: str) -> None:
    """Before extract (incremental searches) the loader has nothing yet: products stay named as given."""
    answers: list[dict[str, str] | None] = [None, {"DEMO-DELL": DELL}]
    with StateStore(database_url, "acme") as store:
        store.migrate()
        store.use_uuids(lambda: answers.pop(0) if answers else {"DEMO-DELL": "never asked again"})
        assert store.products() == []
        store.record_seen([SeenProduct("DEMO-DELL")])
        assert _keys(store, "state_product") == [DELL]
        assert store.product("DEMO-DELL") is not None and answers == []


def test_uuids_streamed_as_pairs_key_more_products_than_one_query_asks(database_url: str) -> None:
    """A run hands its uuids over as (name, uuid) pairs read from extract's file, not a dict of the
    catalogue: identifier-keyed rows of every product move to their uuid, answers come back under the names."""
    names = [f"SKU-{i:04d}" for i in range(1200)]
    with StateStore(database_url, "acme") as store:
        store.migrate()
        store.record_seen(SeenProduct(name) for name in names)
        store.record_accepted(names[-1], name("last"))
    with StateStore(database_url, "acme") as store:
        store.use_uuids(lambda: ((sku, f"uuid-{sku}") for sku in names))
        store.mark_many({sku: "title_present: no title" for sku in names}, ProductStatus.QUARANTINED)
        assert _keys(store, "state_product") == sorted(f"uuid-{sku}" for sku in names)
        assert [p.identifier for p in store.products(ProductStatus.QUARANTINED)] == names
        assert sorted(p.identifier for p in store.products_among(names[:3])) == names[:3]
        assert store.accepted_hashes([names[-1]]) == {names[-1]: {NAME: value_hash("last")}}
        with store.engine.connect() as connection:
            identifiers = connection.exec_driver_sql("SELECT akeneo_identifier FROM state_product").scalars()
            assert sorted(identifiers) == names


def test_the_uuid_map_is_a_scratch_file_removed_with_its_store(database_url: str, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    with StateStore(database_url, "acme") as store:
        store.migrate()
        store.use_uuids(lambda: {"DEMO-DELL": DELL})
        store.record_seen([SeenProduct("DEMO-DELL")])
        assert [path.name for path in scratch.glob("icecat-akeneo-uuids-*/*")] == ["keys.sqlite"]
    del store
    gc.collect()
    assert list(scratch.iterdir()) == []
