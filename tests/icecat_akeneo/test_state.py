"""State store on SQLite and PostgreSQL: migrations, round trips, consistency when a run dies mid-write."""
from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from icecat_akeneo.diff import partial_values, value_hash
from icecat_akeneo.state import ProductStatus, SeenProduct, StateStore, sqlite_url
from icecat_akeneo.state.migrate import HEAD, current_revision, head_revision
from icecat_akeneo.state.models import Base

REPO = Path(__file__).resolve().parents[2]
START = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.UTC)
NAME = ("name", "en_US", "ecommerce")


class FakeClock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> dt.datetime:
        return self.now


def _postgres_schema_url(base_url: str) -> Iterator[str]:
    """A fresh PostgreSQL schema per test (dropped after), selected through the connection's search_path."""
    schema = f"test_state_{uuid.uuid4().hex[:12]}"
    admin = sqlalchemy.create_engine(base_url)
    with admin.begin() as connection:
        connection.execute(sqlalchemy.text(f'CREATE SCHEMA "{schema}"'))
    try:
        url = sqlalchemy.engine.make_url(base_url).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(sqlalchemy.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield sqlite_url(tmp_path / "data", "acme")
    else:
        yield from _postgres_schema_url(request.getfixturevalue("postgres_url"))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def store(database_url: str, clock: FakeClock) -> Iterator[StateStore]:
    with StateStore(database_url, "acme", clock=clock) as state:
        state.migrate()
        yield state


def name(data: str, locale: str | None = "en_US", scope: str | None = "ecommerce") -> dict:
    return {"name": [{"locale": locale, "scope": scope, "data": data}]}


# --- schema ------------------------------------------------------------------------------------------
def test_migration_creates_the_schema_and_a_second_run_is_a_no_op(database_url: str) -> None:
    with StateStore(database_url, "acme") as state:
        state.migrate()
        tables = set(sqlalchemy.inspect(state.engine).get_table_names())
        assert {"state_product", "state_value", "state_media", "alembic_version"} <= tables
        assert current_revision(state.engine) == head_revision() == HEAD and state.is_current()
        state.record_accepted("sku-1", name("Laptop"))
        state.migrate()
        assert state.accepted_hashes(["sku-1"])["sku-1"] == {NAME: value_hash("Laptop")}


def python(code: str, *args: str) -> subprocess.Popen[bytes]:
    """Run `code` in a new interpreter that imports the connector, as an Airflow worker would."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), str(REPO / "plugins")])}
    return subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env)


def test_runs_migrating_at_the_same_time_all_succeed(database_url: str) -> None:
    code = "import sys; from icecat_akeneo.state import StateStore; StateStore(sys.argv[1], 'acme').migrate()"
    migrations = [python(code, database_url) for _ in range(4)]
    errors = [process.communicate(timeout=60)[1].decode() for process in migrations]
    assert [process.returncode for process in migrations] == [0] * 4, errors
    with StateStore(database_url, "acme") as state:
        assert state.is_current()


def test_models_and_migrations_describe_the_same_schema(store: StateStore) -> None:
    with store.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []


def test_default_sqlite_database_lives_in_the_client_folder(tmp_path: Path) -> None:
    with StateStore(sqlite_url(tmp_path, "acme"), "acme") as state:
        state.migrate()
    assert (tmp_path / "acme" / "state.db").is_file()


# --- round trips -------------------------------------------------------------------------------------
def test_accepted_values_round_trip_with_and_without_locale_and_scope(store: StateStore) -> None:
    weight = {"amount": "1.2", "unit": "KILOGRAM"}
    store.record_accepted("sku-1", {**name("Laptop"),
                                    "weight": [{"locale": None, "scope": None, "data": weight}]})
    hashes = store.accepted_hashes(["sku-1", "unknown"])
    assert hashes == {"sku-1": {NAME: value_hash("Laptop"), ("weight", None, None): value_hash(weight)},
                      "unknown": {}}
    product = store.product("sku-1")
    assert product is not None and product.status == "synced" and product.last_synced == START


def test_record_accepted_is_idempotent_and_merges_per_value(store: StateStore) -> None:
    store.record_accepted("sku-1", name("Laptop"))
    store.record_accepted("sku-1", name("Laptop"))
    store.record_accepted("sku-1", name("Notebook", locale="de_DE"))
    assert store.accepted_hashes(["sku-1"])["sku-1"] == {
        NAME: value_hash("Laptop"), ("name", "de_DE", "ecommerce"): value_hash("Notebook")}
    assert len(store.products()) == 1


def test_rerun_after_an_accepted_push_sends_nothing(store: StateStore) -> None:
    sent = {"weight": [{"locale": None, "scope": None, "data": {"amount": "190", "unit": "GRAM"}}]}
    store.record_accepted("sku-1", sent)
    akeneo_now = {"weight": [{"locale": None, "scope": None, "data": {"amount": "190.0000", "unit": "GRAM"}}]}
    accepted = store.accepted_hashes(["sku-1"])["sku-1"]
    result = partial_values(sent, accepted, akeneo_now, identifier="sku-1", manual_edits_win=True)
    assert not result.has_changes


def test_clients_sharing_a_database_do_not_see_each_other(store: StateStore, database_url: str) -> None:
    store.record_accepted("sku-1", name("Acme laptop"))
    store.remember_media("f" * 64, "a/b/c/acme.jpg")
    with StateStore(database_url, "globex") as other:
        assert other.accepted_hashes(["sku-1"]) == {"sku-1": {}}
        assert other.products() == [] and other.media_code("f" * 64) is None
        other.record_accepted("sku-1", name("Globex laptop"))
    assert store.accepted_hashes(["sku-1"])["sku-1"][NAME] == value_hash("Acme laptop")


def test_seen_products_keep_their_first_seen_date(store: StateStore, clock: FakeClock) -> None:
    store.record_seen([SeenProduct("sku-1", icecat_id="1234"),                 # one row per language
                       SeenProduct("sku-1", icecat_id="1234", icecat_updated=START)])
    clock.now = START + dt.timedelta(days=2)
    store.record_seen([SeenProduct("sku-1", icecat_id="1234", icecat_updated=clock.now)])
    product = store.product("sku-1")
    assert product is not None
    assert (product.first_seen, product.last_seen, product.icecat_updated) == (START, clock.now, clock.now)
    assert product.status is None
    store.record_seen([SeenProduct("sku-1"),          # extract sees it before enrich matches it again
                       SeenProduct("sku-2", icecat_updated=START.replace(tzinfo=None))])   # parquet: naive
    assert store.product("sku-2").icecat_updated == START  # type: ignore[union-attr]
    product = store.product("sku-1")
    assert product is not None and (product.icecat_id, product.icecat_updated) == ("1234", clock.now)


def test_status_reason_and_attempts(store: StateStore, clock: FakeClock) -> None:
    store.mark("sku-1", ProductStatus.FAILED, reason="422 name: too long")
    assert store.bump_attempt("sku-1") == 1 and store.bump_attempt("sku-1") == 2
    failed = store.products(status="failed")
    assert [(p.identifier, p.reason, p.attempts) for p in failed] == [("sku-1", "422 name: too long", 2)]
    clock.now = START + dt.timedelta(hours=1)
    store.record_accepted("sku-1", name("Laptop"))
    product = store.product("sku-1")
    assert product is not None and (product.status, product.reason, product.attempts) == ("synced", None, 0)
    assert store.products(status=ProductStatus.FAILED) == []


def test_unknown_status_is_refused_with_the_allowed_ones(store: StateStore) -> None:
    with pytest.raises(ValueError, match="unknown product status 'done'.*pending_in_icecat"):
        store.mark("sku-1", "done")


def test_pending_products_keep_their_age_and_filter_by_it(store: StateStore, clock: FakeClock) -> None:
    store.mark_many({"old": "not_in_icecat", "young": "not_in_icecat"}, ProductStatus.PENDING_IN_ICECAT)
    clock.now = START + dt.timedelta(days=10)
    store.mark("young", ProductStatus.FAILED)
    store.mark("young", ProductStatus.PENDING_IN_ICECAT)
    store.mark("old", ProductStatus.PENDING_IN_ICECAT, reason="still not_in_icecat")   # same status: age kept
    store.record_data_creation_request("old", "req-42")
    clock.now = START + dt.timedelta(days=15)
    pending = store.pending()
    day_10 = START + dt.timedelta(days=10)
    assert [(p.identifier, p.status_since) for p in pending] == [("old", START), ("young", day_10)]
    assert (pending[0].data_creation_request_id, pending[0].data_creation_requested_at) == ("req-42", day_10)
    assert [p.identifier for p in store.pending(max_age=dt.timedelta(days=7))] == ["young"]


def test_media_is_found_by_content_hash_and_by_url(store: StateStore, clock: FakeClock) -> None:
    sha, url = "ab" * 32, "https://images.icecat.biz/img/1234.jpg"
    assert store.media_code(sha) is None and store.media_codes_for_urls([url]) == {}
    store.remember_media(sha, "1/2/3/4/abc_front.jpg", identifier="sku-1", attribute="main_image", url=url)
    store.remember_media(sha, "1/2/3/4/abc_front.jpg", identifier="sku-1", attribute="main_image", url=url)
    assert store.media_code(sha) == "1/2/3/4/abc_front.jpg"
    clock.now = START + dt.timedelta(days=1)                     # new bytes behind the same URL
    store.remember_media("cd" * 32, "5/6/7/8/cde_front.jpg", identifier="sku-1", attribute="main_image",
                         url=url)
    other = "https://images.icecat.biz/img/5678.jpg"
    store.remember_media("ef" * 32, "9/9/9/9/efg_side.jpg", identifier="sku-2", attribute="main_image", url=other)
    assert store.media_codes_for_urls([url, other, "https://images.icecat.biz/img/never.jpg"]) == {
        url: "5/6/7/8/cde_front.jpg", other: "9/9/9/9/efg_side.jpg"}   # the latest upload of each URL
    assert store.media_code(sha) == "1/2/3/4/abc_front.jpg"


def test_many_identifiers_are_read_in_chunks(store: StateStore) -> None:
    store.record_accepted_many({f"sku-{index}": name(f"Laptop {index}") for index in range(1200)})
    hashes = store.accepted_hashes(f"sku-{index}" for index in range(1200))
    assert len(hashes) == 1200 and hashes["sku-1199"] == {NAME: value_hash("Laptop 1199")}


# --- consistency when a run dies ---------------------------------------------------------------------
def test_failure_inside_the_transaction_writes_nothing(store: StateStore,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    store.record_accepted("sku-1", name("Laptop"))

    def crash(*args: object, **kwargs: object) -> None:
        raise RuntimeError("killed between the value hashes and the product status")

    monkeypatch.setattr(StateStore, "_upsert_products", crash)
    with pytest.raises(RuntimeError):
        store.record_accepted_many({"sku-1": name("Laptop v2"), "sku-2": name("Mouse")})
    monkeypatch.undo()
    assert store.accepted_hashes(["sku-1", "sku-2"]) == {
        "sku-1": {NAME: value_hash("Laptop")}, "sku-2": {}}
    assert [p.identifier for p in store.products()] == ["sku-1"]


WRITER = textwrap.dedent("""
    import sys
    from icecat_akeneo.state import StateStore
    store = StateStore(sys.argv[1], "acme")
    generation = 0
    while True:
        generation += 1
        batch = {f"sku-{n}": {f"attr_{a}": [{"locale": None, "scope": None, "data": f"gen {generation}"}]
                              for a in range(15)} for n in range(20)}
        store.record_accepted_many(batch)
        if generation == 3:
            print("writing", flush=True)
""")


def test_writer_killed_with_sigkill_leaves_whole_batches(store: StateStore) -> None:
    writer = python(WRITER, store.url)
    try:
        assert writer.stdout is not None and writer.stdout.readline() == b"writing\n"
        time.sleep(0.3)
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=10)
    assert writer.returncode == -signal.SIGKILL
    hashes = store.accepted_hashes(f"sku-{n}" for n in range(20))
    generations = {value for product in hashes.values() for value in product.values()}
    assert len(generations) == 1, "a batch was half written: products hold values of different generations"
    assert all(len(product) == 15 for product in hashes.values())
    products = store.products(status="synced")
    assert len(products) == 20 and len({p.last_synced for p in products}) == 1
    if store.engine.dialect.name == "sqlite":
        with store.engine.connect() as connection:
            assert connection.execute(sqlalchemy.text("PRAGMA integrity_check")).scalar() == "ok"


# --- scale -------------------------------------------------------------------------------------------
@pytest.mark.slow
def test_remembering_a_10k_product_first_run_keeps_every_value(database_url: str) -> None:
    """Scale check (slow): every value of 10k products is kept; the timings are printed, not asserted."""
    products, per_patch = 10_000, 100
    identifiers = [f"sku-{index:05d}" for index in range(products)]
    values = {f"attr_{a}": [{"locale": "en_US", "scope": "ecommerce", "data": f"value {a}"}]
              for a in range(15)}
    with StateStore(database_url, "acme") as state:
        state.migrate()
        started = time.perf_counter()
        for first in range(0, products, per_patch):      # as load: one call per collection PATCH response
            batch = identifiers[first:first + per_patch]
            state.record_accepted_many({identifier: values for identifier in batch})
        written = time.perf_counter() - started
        started = time.perf_counter()
        hashes = state.accepted_hashes(identifiers)
        read = time.perf_counter() - started
    print(f"\n{state.engine.dialect.name}: record_accepted_many 10k products x 15 values in batches of "
          f"{per_patch}: {written:.2f}s; accepted_hashes for 10k: {read:.2f}s")
    assert sum(len(product) for product in hashes.values()) == products * 15
