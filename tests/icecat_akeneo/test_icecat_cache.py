"""The Icecat cache hands back the very record normalizing the raw answer would give, from a small stored
record, and falls back to the raw answer whenever that stored record cannot be trusted."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from icecat_akeneo.icecat.cache import IcecatCache
from icecat_akeneo.icecat.normalize import normalize_file, normalize_response
from icecat_akeneo.icecat.record import ProductRecord

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


def _record_file(cache: IcecatCache, record: ProductRecord) -> Path:
    return cache.root / "content" / str(record.icecat_id) / f"{record.lang}.record.json"


def test_every_sample_data_sheet_is_covered() -> None:
    assert len(DATA_SHEETS) == 14
    assert {name.rsplit(".", 1)[1] for name in DATA_SHEETS} == {"json", "xml"}


@pytest.mark.parametrize("name", DATA_SHEETS)
def test_a_hit_returns_the_freshly_normalized_record_without_the_raw_answer(tmp_path: Path, name: str) -> None:
    (fresh,) = normalize_file(SAMPLES / name)
    cache = IcecatCache(tmp_path)
    cache.store_content(fresh, {"stand-in": "raw answer"}, dt.datetime(2026, 11, 25), FETCHED_AT)
    entry = cache.content(fresh.icecat_id, fresh.lang)
    assert entry is not None and entry.data is None
    assert entry.record == fresh
    assert (entry.updated, entry.fetched_at, entry.index_updated) == (
        fresh.updated,
        FETCHED_AT,
        dt.datetime(2026, 11, 25),
    )


@pytest.mark.parametrize("name", [name for name in DATA_SHEETS if name.endswith(".json")])
def test_the_raw_answer_normalizes_into_the_same_record_as_the_stored_one(tmp_path: Path, name: str) -> None:
    cache, record = _stored(tmp_path, name)
    _record_file(cache, record).unlink()
    entry = cache.content(record.icecat_id, "EN")
    assert entry is not None and entry.record is None
    assert normalize_response(entry.data, "EN") == record


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda text: text[: len(text) // 2], id="truncated"),
        pytest.param(lambda text: "[]", id="not-an-object"),
        pytest.param(lambda text: text.replace('"release_date":"2025-02-24"', '"release_date":"soon"'), id="bad-date"),
        pytest.param(lambda text: text.replace('"features":', '"feature_list":'), id="missing-field"),
        pytest.param(
            lambda text: json.dumps({**json.loads(text), "normalizer": "an-older-normalizer"}), id="old-version"
        ),
    ],
)
def test_an_untrustworthy_stored_record_falls_back_to_the_raw_answer(tmp_path: Path, damage) -> None:
    cache, record = _stored(tmp_path)
    path = _record_file(cache, record)
    damaged = damage(path.read_text(encoding="utf-8"))
    assert damaged != path.read_text(encoding="utf-8")
    path.write_text(damaged, encoding="utf-8")
    entry = cache.content(record.icecat_id, "EN")
    assert entry is not None and entry.record is None and entry.data == _raw_data(JSON_SAMPLE)
    cache.store_record(normalize_response(entry.data, "EN"), entry)
    rewritten = cache.content(record.icecat_id, "EN")
    assert rewritten is not None and rewritten.data is None and rewritten.record == record


def test_a_stored_record_left_behind_by_a_newer_raw_answer_is_not_used(tmp_path: Path) -> None:
    cache, old = _stored(tmp_path)
    old_record_file = _record_file(cache, old).read_bytes()
    newer_data = {**_raw_data(JSON_SAMPLE)}
    newer_data["GeneralInfo"] = {**newer_data["GeneralInfo"], "ProductName": "Evolve2 50, renamed"}
    newer = normalize_response(newer_data, "EN")
    cache.store_content(newer, newer_data, None, FETCHED_AT + dt.timedelta(days=1))
    _record_file(cache, old).write_bytes(old_record_file)  # e.g. a crash between the two writes
    entry = cache.content(old.icecat_id, "EN")
    assert entry is not None and entry.record is None
    assert normalize_response(entry.data, "EN").product_name == "Evolve2 50, renamed"


def test_no_raw_answer_means_no_hit_even_with_a_stored_record(tmp_path: Path) -> None:
    cache, record = _stored(tmp_path)
    (cache.root / "content" / str(record.icecat_id) / "EN.json").unlink()
    assert cache.content(record.icecat_id, "EN") is None


def test_a_stored_record_is_much_smaller_than_the_raw_answer(tmp_path: Path) -> None:
    cache, record = _stored(tmp_path)
    raw_size = (cache.root / "content" / str(record.icecat_id) / "EN.json").stat().st_size
    assert _record_file(cache, record).stat().st_size < raw_size / 2

