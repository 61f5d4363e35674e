"""The Icecat cache (one SQLite store per client) hands back the very record normalizing the raw answer would
give, from the stored record, falls back to the raw answer whenever that record cannot be trusted, treats a
damaged entry as a miss, and keeps every entry whole when several processes write at once."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import multiprocessing
import sqlite3
import zlib
from pathlib import Path

import pytest
from icecat_akeneo.icecat.cache import DATABASE, ZSTD_MARK, IcecatCache, _unpacked
from icecat_akeneo.icecat.normalize import normalize_file, normalize_response
from icecat_akeneo.icecat.record import ProductRecord
from icecat_akeneo.icecat.record_json import record_to_row_json

SAMPLES = Path(__file__).resolve().parents[2] / "sandbox" / "icecat" / "samples"
DATA_SHEETS = sorted(
    path.name
    for path in SAMPLES.iterdir()
    if path.suffix in (".json", ".xml") and "notfound" not in path.name and "daily.index" not in path.name
)
JSON_SAMPLE = "icecat-learning-hub__zip_json_jabra-evolve2-50_headset_EN.json"
FETCHED_AT = dt.datetime(2026, 11, 26, 8, 0)


def _raw_data(name: str) -> dict:
    """The `data` object of a saved JSON answer (the airbyte fixture wraps the answer in a list)."""
    document = json.loads((SAMPLES / name).read_text(encoding="utf-8"))
    return (document[0] if isinstance(document, list) else document)["data"]


def _stored(tmp_path: Path, name: str = JSON_SAMPLE) -> tuple[IcecatCache, ProductRecord]:
    cache = IcecatCache(tmp_path)
    record = normalize_response(_raw_data(name), "EN")
    cache.store_content(record, _raw_data(name), None, FETCHED_AT)
    return cache, record


def _overwrite(cache: IcecatCache, column: str, value: object, record: ProductRecord) -> None:
    with sqlite3.connect(cache.root / DATABASE) as db:
        db.execute(f"UPDATE content SET {column} = ? WHERE icecat_id = ? AND lang = ?",
                   (value, record.icecat_id, record.lang))


def _packed_json(value: object) -> bytes:
    return zlib.compress(json.dumps(value).encode(), 1)


def test_every_sample_data_sheet_is_covered() -> None:
    assert len(DATA_SHEETS) == 14
    assert {name.rsplit(".", 1)[1] for name in DATA_SHEETS} == {"json", "xml"}


@pytest.mark.parametrize("name", DATA_SHEETS)
def test_a_hit_returns_the_freshly_normalized_record_without_the_raw_answer(tmp_path: Path, name: str) -> None:
    (fresh,) = normalize_file(SAMPLES / name)
    cache = IcecatCache(tmp_path)
    cache.store_content(fresh, {"stand-in": "raw answer"}, dt.datetime(2026, 11, 25), FETCHED_AT)
    entry = IcecatCache(tmp_path).content(fresh.icecat_id, fresh.lang)  # another worker's connection
    assert entry is not None and entry.data is None
    assert entry.record == fresh
    assert (entry.updated, entry.fetched_at, entry.index_updated) == (
        fresh.updated,
        FETCHED_AT,
        dt.datetime(2026, 11, 25),
    )


def test_the_whole_cache_is_one_database_file(tmp_path: Path) -> None:
    cache, record = _stored(tmp_path)
    cache.remember("gtin", "0123", record.icecat_id)
    assert {path.name for path in tmp_path.iterdir()} <= {DATABASE, f"{DATABASE}-wal", f"{DATABASE}-shm"}


@pytest.mark.parametrize("name", DATA_SHEETS)
def test_a_record_is_stored_as_the_json_of_its_row(tmp_path: Path, name: str) -> None:
    """The cache encodes the record itself (no row built): the same JSON as `record_to_row_json`, which entries
    written by earlier versions hold, so those stay readable and a new entry reads back the same."""
    (fresh,) = normalize_file(SAMPLES / name)
    cache = IcecatCache(tmp_path)
    cache.store_content(fresh, {"stand-in": "raw answer"}, None, FETCHED_AT)
    with sqlite3.connect(cache.root / DATABASE) as db:
        (blob,) = db.execute("SELECT record FROM content").fetchone()
    assert _unpacked(blob) == record_to_row_json(fresh)


def test_a_product_never_stored_is_a_miss(tmp_path: Path) -> None:
    cache, record = _stored(tmp_path)
    assert cache.content(record.icecat_id, "DE") is None
    assert cache.content(record.icecat_id + 1, "EN") is None
    assert cache.resolved("gtin", "0123") is None


def test_a_lookup_key_resolves_whatever_its_case_and_spaces(tmp_path: Path) -> None:
    cache = IcecatCache(tmp_path)
    cache.remember("brand_mpn", "Jabra|25089-999-999", 42)
    assert IcecatCache(tmp_path).resolved("brand_mpn", " jabra|25089-999-999 ") == 42
    assert cache.resolved("gtin", "jabra|25089-999-999") is None


@pytest.mark.parametrize("name", [name for name in DATA_SHEETS if name.endswith(".json")])
def test_the_raw_answer_normalizes_into_the_same_record_as_the_stored_one(tmp_path: Path, name: str) -> None:
    cache, record = _stored(tmp_path, name)
    _overwrite(cache, "record", None, record)
    entry = cache.content(record.icecat_id, "EN")
    assert entry is not None and entry.record is None
    assert normalize_response(entry.data, "EN") == record


@pytest.mark.parametrize(
    ("column", "damage"),
    [
        pytest.param("record", lambda blob, row: blob[: len(blob) // 2], id="truncated"),
        pytest.param("record", lambda blob, row: _packed_json([]), id="not-an-object"),
        pytest.param("record", lambda blob, row: _packed_json({**row, "release_date": "soon"}), id="bad-date"),
        pytest.param("record", lambda blob, row: _packed_json({k: v for k, v in row.items() if k != "features"}),
                     id="missing-field"),
        pytest.param("normalizer", lambda blob, row: "an-older-normalizer", id="old-version"),
    ],
)
def test_an_untrustworthy_stored_record_falls_back_to_the_raw_answer(tmp_path: Path, column: str, damage) -> None:
    cache, record = _stored(tmp_path)
    with sqlite3.connect(tmp_path / DATABASE) as db:
        (blob,) = db.execute("SELECT record FROM content").fetchone()
    _overwrite(cache, column, damage(blob, _unpacked(blob)), record)
    entry = cache.content(record.icecat_id, "EN")
    assert entry is not None and entry.record is None and entry.data == _raw_data(JSON_SAMPLE)
    cache.store_record(normalize_response(entry.data, "EN"), entry)
    rewritten = cache.content(record.icecat_id, "EN")
    assert rewritten is not None and rewritten.data is None and rewritten.record == record


def test_an_entry_an_earlier_version_stored_with_zlib_is_still_served(tmp_path: Path) -> None:
    """Upgrading the connector must not refetch a whole catalogue because the cache's compression changed."""
    cache, record = _stored(tmp_path)
    _overwrite(cache, "raw", _packed_json(_raw_data(JSON_SAMPLE)), record)
    _overwrite(cache, "normalizer", "an-older-normalizer", record)
    entry = cache.content(record.icecat_id, "EN")
    assert entry is not None and entry.data == _raw_data(JSON_SAMPLE)


def _zstd_damaged(stored: bytes) -> list[bytes]:
    """A stored zstd blob cut short, with a wrong or absurd length, with its frame scrambled."""
    length = ZSTD_MARK + (1 << 31).to_bytes(4, "little")
    return [stored[: len(stored) // 2], stored[:3], stored[:5] + b"\x00" * (len(stored) - 5),
            length + stored[5:], ZSTD_MARK + (len(stored)).to_bytes(4, "little") + stored[5:]]


def test_a_damaged_zstd_raw_answer_without_a_usable_record_is_a_miss(tmp_path: Path) -> None:
    cache, record = _stored(tmp_path)
    _overwrite(cache, "normalizer", "an-older-normalizer", record)
    with sqlite3.connect(tmp_path / DATABASE) as db:
        (stored,) = db.execute("SELECT raw FROM content").fetchone()
    assert stored[:1] == ZSTD_MARK
    for raw in _zstd_damaged(stored):
        _overwrite(cache, "raw", raw, record)
        assert cache.content(record.icecat_id, "EN") is None, raw[:8]


@pytest.mark.parametrize("raw", [b"not zlib", zlib.compress(b"{not json"), zlib.compress(b"[1, 2]")])
def test_a_damaged_raw_answer_without_a_usable_record_is_a_miss(tmp_path: Path, raw: bytes) -> None:
    cache, record = _stored(tmp_path)
    _overwrite(cache, "normalizer", "an-older-normalizer", record)
    _overwrite(cache, "raw", raw, record)
    assert cache.content(record.icecat_id, "EN") is None
    cache.store_content(record, _raw_data(JSON_SAMPLE), None, FETCHED_AT)  # fetched again: whole again
    assert cache.content(record.icecat_id, "EN").record == record


def test_a_record_normalized_from_a_replaced_raw_answer_is_not_stored(tmp_path: Path) -> None:
    cache, old = _stored(tmp_path)
    _overwrite(cache, "normalizer", "an-older-normalizer", old)
    stale_entry = cache.content(old.icecat_id, "EN")   # worker A reads the raw answer...
    newer_data = {**_raw_data(JSON_SAMPLE)}
    newer_data["GeneralInfo"] = {**newer_data["GeneralInfo"], "ProductName": "Evolve2 50, renamed"}
    newer = normalize_response(newer_data, "EN")
    IcecatCache(tmp_path).store_content(newer, newer_data, None, FETCHED_AT + dt.timedelta(days=1))  # ...B refetches
    cache.store_record(old, stale_entry)                # ...A stores what it normalized from the old answer
    entry = cache.content(old.icecat_id, "EN")
    assert entry.record is not None and entry.record.product_name == "Evolve2 50, renamed"


def test_a_database_sqlite_cannot_read_is_moved_aside_and_the_cache_starts_empty(tmp_path: Path) -> None:
    (tmp_path / DATABASE).write_bytes(b"this is not a database" * 100)
    cache = IcecatCache(tmp_path)
    assert cache.content(1, "EN") is None
    assert [p.name.startswith(f"{DATABASE}.damaged-") for p in tmp_path.iterdir() if "damaged" in p.name] == [True]
    cache.remember("gtin", "1", 1)
    assert cache.resolved("gtin", "1") == 1


def _write_many(root: str, worker: int, count: int) -> None:
    cache = IcecatCache(root)
    record = normalize_response(_raw_data(JSON_SAMPLE), "EN")
    for n in range(count):
        stored = dataclasses.replace(record, icecat_id=worker * 1000 + n)
        cache.store_content(stored, _raw_data(JSON_SAMPLE), None, FETCHED_AT)
        cache.remember("gtin", f"{worker}-{n}", stored.icecat_id)


def test_parallel_writer_processes_leave_every_entry_whole(tmp_path: Path) -> None:
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_write_many, args=(str(tmp_path), w, 40)) for w in range(4)]
    for process in workers:
        process.start()
    for process in workers:
        process.join(120)
    assert [process.exitcode for process in workers] == [0, 0, 0, 0]
    cache = IcecatCache(tmp_path)
    for worker in range(4):
        for n in range(40):
            assert cache.resolved("gtin", f"{worker}-{n}") == worker * 1000 + n
            entry = cache.content(worker * 1000 + n, "EN")
            assert entry is not None and entry.record is not None and entry.record.icecat_id == worker * 1000 + n


def test_an_entry_proven_current_by_each_daily_index_is_never_fetched_again(tmp_path: Path) -> None:
    """Daily runs: each day's index proves the entry unchanged until its generation, so the entry stays
    trusted day after day, though it was fetched long before the current index's 24-hour window."""
    cache, record = _stored(tmp_path)
    for day in range(1, 5):
        generated = FETCHED_AT + dt.timedelta(days=day, minutes=-1)
        entry = cache.content(record.icecat_id, "EN")
        assert entry.unchanged_per(None, generated), f"day {day}"
        cache.prove_current(record.icecat_id, "EN", entry, generated)


def test_an_entry_no_index_vouched_for_since_the_window_is_fetched_again(tmp_path: Path) -> None:
    """A missed day: the index of day 3 cannot tell whether the product changed on day 2."""
    cache, record = _stored(tmp_path)
    entry = cache.content(record.icecat_id, "EN")
    assert entry.unchanged_per(None, FETCHED_AT + dt.timedelta(hours=23))
    assert not entry.unchanged_per(None, FETCHED_AT + dt.timedelta(hours=25))
    cache.prove_current(record.icecat_id, "EN", entry, FETCHED_AT + dt.timedelta(hours=23))
    proven = cache.content(record.icecat_id, "EN")
    assert proven.unchanged_per(None, FETCHED_AT + dt.timedelta(hours=25))
    assert not proven.unchanged_per(None, FETCHED_AT + dt.timedelta(hours=48))


def test_an_index_listing_a_newer_updated_means_fetch_again(tmp_path: Path) -> None:
    cache, record = _stored(tmp_path)
    entry = cache.content(record.icecat_id, "EN")
    generated = FETCHED_AT + dt.timedelta(hours=20)
    assert entry.unchanged_per(record.updated, generated)
    assert not entry.unchanged_per(record.updated + dt.timedelta(seconds=1), generated)
