"""Which products a rerun skips (`unchanged.rebuild_reason`, `settled`) and the marks they are decided by."""
from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from icecat_akeneo import unchanged
from icecat_akeneo.state import StateStore
from icecat_akeneo.state.marks import Mark, ProductMarks
from icecat_akeneo.steps.batches import KeyedStore
from icecat_akeneo.unchanged import Selected, fingerprint, rebuild_reason, settled

from tests.icecat_akeneo import test_state

database_url = test_state.database_url  # the fixture: SQLite, and PostgreSQL where a server answers

WRITTEN = "2026-12-02T10:00:05+00:00"
GENERATED = dt.datetime(2026, 12, 2, 12, 0, tzinfo=dt.UTC)
ICECAT_UPDATED = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)
FINGERPRINT = fingerprint({"client": "acme"}, b"{}", manual_edits_win=True)
MARK = Mark(WRITTEN, "laptops", "42", ICECAT_UPDATED, FINGERPRINT, dt.datetime(2026, 12, 2, 10, 0, tzinfo=dt.UTC))
PRODUCT = Selected("sku-1", WRITTEN, "laptops", None)


def reason(product: Selected = PRODUCT, mark: Mark | None = MARK, status: str | None = "synced",
           current: str = FINGERPRINT, generated: dt.datetime | None = GENERATED,
           index: dict[int, dt.datetime] | None = None) -> str | None:
    return rebuild_reason(product, mark, status, current, generated, index or {})


def test_a_product_unchanged_on_both_sides_is_skipped() -> None:
    assert reason() is None
    assert reason(index={42: ICECAT_UPDATED}) is None  # listed, but not newer than what we built from


@pytest.mark.parametrize(("change", "expected"), [
    ({"mark": None}, "no mark"),
    ({"status": "failed"}, "state is failed"),
    ({"status": "pending_in_icecat"}, "state is pending_in_icecat"),
    ({"product": Selected("sku-1", "2026-12-02T10:00:06+00:00", "laptops", None)}, "updated in Akeneo"),
    ({"product": Selected("sku-1", WRITTEN, "phones", None)}, "family changed"),
    ({"product": Selected("sku-1", WRITTEN, "laptops", "model-1")}, "variant product"),
    ({"current": fingerprint({"client": "acme", "x": 1}, b"{}", manual_edits_win=True)}, "mapping"),
    ({"index": {42: ICECAT_UPDATED + dt.timedelta(hours=1)}}, "newer content in Icecat"),
    ({"generated": None}, "no daily index"),
    ({"generated": GENERATED + dt.timedelta(days=2)}, "no daily index"),  # a missed day proves nothing
])
def test_any_change_rebuilds_the_product(change: dict, expected: str) -> None:
    assert expected in (reason(**change) or "")


def test_the_fingerprint_changes_with_the_mapping_the_taxonomy_and_the_manual_edit_rule() -> None:
    prints = {fingerprint({"a": 1}, b"t", manual_edits_win=True), fingerprint({"a": 2}, b"t", manual_edits_win=True),
              fingerprint({"a": 1}, b"u", manual_edits_win=True), fingerprint({"a": 1}, b"t", manual_edits_win=False)}
    assert len(prints) == 4


def test_a_read_in_the_same_second_as_the_write_is_not_trusted() -> None:
    """An edit later in that second would leave `updated` as it is: only a clock strictly past it settles."""
    assert not settled(WRITTEN, dt.datetime(2026, 12, 2, 10, 0, 5, 900_000, tzinfo=dt.UTC))
    assert not settled(WRITTEN, None)
    assert settled(WRITTEN, dt.datetime(2026, 12, 2, 10, 0, 6, tzinfo=dt.UTC))


def test_marks_round_trip_under_uuid_keys_and_can_be_dropped_and_proven(database_url: str) -> None:
    with StateStore(database_url, "acme") as store:
        store.migrate()
        store.use_uuids(lambda: {"sku-1": "uuid-1"})
        marks = ProductMarks(store)
        marks.put({"sku-1": MARK})
        assert marks.get(["sku-1", "sku-2"]) == {"sku-1": MARK}
        marks.prove(["sku-1"], GENERATED)
        assert marks.get(["sku-1"])["sku-1"].proven_at == GENERATED
        with store.engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT identifier FROM state_product_mark").scalars().all() == ["uuid-1"]
        marks.drop(["sku-1"])
        assert marks.get(["sku-1"]) == {}


class LaggingDate:
    """Akeneo behind a server whose `Date` is refreshed late: its clock reaches the write's next second only at
    the third answer."""

    def __init__(self) -> None:
        self.answers = 0
        self.server_clock = dt.datetime(2026, 12, 2, 10, 0, 5, tzinfo=dt.UTC)

    async def api_info(self) -> None:
        self.answers += 1
        if self.answers == 3:
            self.server_clock = dt.datetime(2026, 12, 2, 10, 0, 6, tzinfo=dt.UTC)


def test_the_read_back_waits_for_akeneos_clock_to_pass_the_write_even_when_its_date_lags(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(unchanged, "CLOCK_POLL_SECONDS", 0.0)
    akeneo = LaggingDate()
    asyncio.run(unchanged._until_clock_passes(akeneo, WRITTEN))  # type: ignore[arg-type]
    assert akeneo.answers == 3 and settled(WRITTEN, akeneo.server_clock)


def test_only_products_built_and_wholly_accepted_are_offered_for_marking(tmp_path: Path) -> None:
    """Found, and neither quarantined, nor with a rejected value, nor with a refused or undelivered line; over
    several read batches of lookups."""
    names = [f"P{i:04d}" for i in range(2000)]
    spoiled = {"P0001": "validate/quarantine.parquet", "P0950": "transform/rejected.parquet"}
    for folder in ("enrich", "validate", "transform", "load"):
        (tmp_path / folder).mkdir()
    pq.write_table(pa.Table.from_pylist([
        {"identifier": name, "outcome": "not_in_icecat" if name == "P0002" else "found", "icecat_id": i,
         "updated": None} for i, name in enumerate(names)]), tmp_path / "enrich" / "lookups.parquet")
    for name, path in spoiled.items():
        pq.write_table(pa.Table.from_pylist([{"identifier": name, "message": "no"}]), tmp_path / path)
    pq.write_table(pa.Table.from_pylist([
        {"identifier": "P1999", "status_code": 204}, {"identifier": "P1999", "status_code": 0},
        {"identifier": "P1500", "status_code": 422}, {"identifier": "P0003", "status_code": 201}]),
        tmp_path / "load" / "results.parquet")
    with KeyedStore(tmp_path / "scratch.sqlite") as keyed:
        batches = list(unchanged.built_and_accepted(tmp_path, keyed))
    built = {name: row for batch in batches for name, row in batch.items()}
    assert len(batches) > 1
    assert set(names) - set(built) == {"P0001", "P0002", "P0950", "P1500", "P1999"}
    assert built["P0003"]["icecat_id"] == 3
