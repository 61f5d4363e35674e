"""Enrich keeps only the Icecat features and related products a client's mapping reads (real samples in
sandbox/icecat/samples/): what is kept comes out exactly as a full read gives it, the rest is never kept, and a
record the cache stored for another mapping's scope is normalized again from the stored answer, never served."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from icecat_akeneo.icecat.cache import IcecatCache
from icecat_akeneo.icecat.normalize import normalize_response
from icecat_akeneo.icecat.record import EVERYTHING, RecordScope
from icecat_akeneo.icecat.record_json import normalizer_key
from icecat_akeneo.mapping import load_mapping
from icecat_akeneo.mapping_schema import AssociationMapping
from icecat_akeneo.sources import features_read, scope_of_mapping

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "sandbox" / "icecat" / "samples"
DELL_JSON = "icecat-learning-hub__json_56195846_dell-g5-5587-laptop_EN.json"
DELL_XML = "icecat-learning-hub__xml_56195846_dell-g5-5587-laptop_EN.xml"
FETCHED_AT = dt.datetime(2026, 12, 4, 8, 0, tzinfo=dt.UTC)


def test_a_mapping_reads_its_feature_sources_every_feature_for_a_specifications_table_related_for_links() -> None:
    assert features_read(["title", "feature:94", "feature_local:944", "media:manual", "feature:94"]) == {94, 944}
    assert features_read(["title", "description_html"]) == frozenset()
    assert features_read(["feature:94", "specifications_html"]) is None
    assert features_read(["specifications_text"]) is None
    bench = load_mapping(REPO / "bench" / "mappings" / "bench.yaml")
    assert scope_of_mapping(bench) == RecordScope(frozenset({94, 944, 1649, 6089, 1766, 432, 2183, 1585}), False)
    linked = bench.model_copy(update={"associations": [AssociationMapping(type="X_SELL")]})
    assert scope_of_mapping(linked).related, "associations are built from the related products"


@pytest.mark.parametrize("name", [DELL_JSON, DELL_XML])
def test_only_what_the_scope_keeps_is_kept_and_exactly_as_a_full_read_gives_it(name: str) -> None:
    body = (SAMPLES / name).read_bytes()
    full = normalize_response(body, "EN")
    wanted = {full.features[0].feature_id, full.features[-1].feature_id, 999_999_999}
    kept = normalize_response(body, "EN", scope=RecordScope(frozenset(wanted), related=False))
    assert len(full.features) > 10 and full.related
    assert kept.features == [feature for feature in full.features if feature.feature_id in wanted]
    assert kept.related == []
    assert (kept.title, kept.description_html, kept.images) == (full.title, full.description_html, full.images)
    assert normalize_response(body, "EN", scope=RecordScope(frozenset())).related == full.related


def test_a_record_stored_for_other_features_is_normalized_again_from_the_stored_answer(tmp_path: Path) -> None:
    data = json.loads((SAMPLES / DELL_JSON).read_text(encoding="utf-8"))["data"]
    few, more = RecordScope(frozenset({94}), related=False), EVERYTHING
    stored = normalize_response(data, "EN", scope=few)
    IcecatCache(tmp_path, normalizer_key(few)).store_content(stored, data, None, FETCHED_AT)

    same_mapping = IcecatCache(tmp_path, normalizer_key(few)).content(stored.icecat_id, "EN")
    assert same_mapping is not None and same_mapping.record == stored
    other_mapping = IcecatCache(tmp_path, normalizer_key(more)).content(stored.icecat_id, "EN")
    assert other_mapping is not None and other_mapping.record is None, "the record of other features was served"
    assert normalize_response(other_mapping.data or {}, "EN").features == normalize_response(data, "EN").features
    assert len({normalizer_key(few), normalizer_key(RecordScope(frozenset({94}))), normalizer_key(EVERYTHING)}) == 3


def test_an_odd_feature_id_is_judged_as_a_full_read_judges_it_never_fails_the_product_or_drops_a_mapped_one() -> None:
    data = json.loads((SAMPLES / DELL_JSON).read_text(encoding="utf-8"))["data"]
    first, second = data["FeaturesGroups"][0]["Features"][:2]
    mapped = int(second["Feature"]["ID"])
    first["Feature"]["ID"] = "9" * 5000          # hostile: refused as a value, the product goes on
    second["Feature"]["ID"] = f" {mapped} "      # a mapped feature with spaces around its id is still read
    kept = normalize_response(data, "EN", scope=RecordScope(frozenset({mapped})))
    assert [feature.feature_id for feature in kept.features] == [mapped]
    assert any("Features[0].Feature.ID" in refusal for refusal in kept.refusals)
