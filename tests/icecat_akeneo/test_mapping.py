"""The mapping file: a broken file is pointed at (file:line key), a good one becomes the Akeneo search
filter and the DAG's run params."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from icecat_akeneo.mapping import ClientMapping, MappingError, load_all, load_mapping, parse_mapping

from tests.fixtures.mappings.records import DEMO_MAPPING

BROKEN = Path(__file__).resolve().parents[1] / "fixtures" / "mappings"


def _errors(name: str) -> list[str]:
    with pytest.raises(MappingError) as raised:
        load_mapping(BROKEN / name)
    return str(raised.value).splitlines()


def test_demo_mapping_loads_with_its_languages_fields_and_rules() -> None:
    mapping = load_mapping(DEMO_MAPPING)
    assert mapping.client == "demo"
    assert mapping.languages == {"EN": "en_US", "DE": "de_DE"}
    assert mapping.start_date == dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    attributes = {field.attribute for field in mapping.fields}
    assert {"name", "weight", "main_image", "user_manual", "wifi_standards"} <= attributes
    rules = {rule.name for rule in mapping.completeness}
    assert {"valid_ean13", "min_images", "field_present:brand"} <= rules


def test_a_missing_key_names_file_line_and_path() -> None:
    assert _errors("missing_attribute.yaml") == [
        f"{BROKEN / 'missing_attribute.yaml'}:11 fields[2].attribute: Field required"]


def test_every_bad_value_is_reported_at_its_own_line() -> None:
    errors = _errors("bad_values.yaml")
    prefix = str(BROKEN / "bad_values.yaml")
    assert errors == [
        f"{prefix}:8 languages.german: Icecat language 'german' must look like EN, DE or ZH_TW",
        f"{prefix}:12 fields[1].source: unknown media kind in 'media:brochure': use one of manual, "
        "datasheet, leaflet, energy_label, product_fiche, video, video_page, product_story, other",
        f"{prefix}:14 completeness[0]: rule min_images needs `value` (an integer)",
        f"{prefix}:15 completeness[1]: rule field_present needs `field`: a record field such as brand or mpn, "
        "not 'manufacturer'",
        f"{prefix}:17 params.batch_size: Input should be less than or equal to 100",
    ]


def test_a_key_given_twice_is_an_error_not_a_silent_overwrite() -> None:
    assert _errors("duplicate_key.yaml") == [
        f"{BROKEN / 'duplicate_key.yaml'}:8 channel: key given twice (the last would win)"]


def test_yaml_syntax_errors_name_the_line() -> None:
    [error] = _errors("syntax_error.yaml")
    assert error.startswith(f"{BROKEN / 'syntax_error.yaml'}:5 (yaml): ")


def test_client_must_match_the_file_name_so_dag_ids_stay_unique() -> None:
    [error] = _errors("wrong_client.yaml")
    expected = f"{BROKEN / 'wrong_client.yaml'}:2 client: 'someone_else' must equal the file name"
    assert error.startswith(expected)


def test_unknown_keys_and_sources_are_rejected() -> None:
    text = DEMO_MAPPING.read_text().replace("channel: ecommerce", "channel: ecommerce\nchanel: print")
    text = text.replace("source: release_date", "source: launch_date")
    with pytest.raises(MappingError) as raised:
        parse_mapping(text, "demo.yaml")
    message = str(raised.value)
    assert "chanel: Extra inputs are not permitted" in message
    assert "unknown source 'launch_date'" in message and "fields[4].source" in message


def test_load_all_returns_mappings_and_errors_in_file_name_order(tmp_path: Path) -> None:
    (tmp_path / "demo.yaml").write_text(DEMO_MAPPING.read_text())
    (tmp_path / "acme.yaml").write_text("version: 1\nclient: acme\n")
    acme, demo = load_all(tmp_path)
    assert isinstance(acme, MappingError) and str(acme).startswith(f"{tmp_path / 'acme.yaml'}:")
    assert isinstance(demo, ClientMapping) and demo.client == "demo"


def _mapping(selection: str) -> ClientMapping:
    text = DEMO_MAPPING.read_text()
    start, end = text.index("selection:"), text.index("identifiers:")
    return parse_mapping(text[:start] + selection + text[end:], "demo.yaml")


def test_akeneo_search_from_the_selection() -> None:
    mapping = _mapping(
        "selection:\n  data_owner: [icecat]\n  enabled: true\n  families: [laptops, monitors]\n"
        "  categories: [electronics]\n  completeness: {operator: '<', value: 100}\n"
        "  updated_in_interval: true\n"
        "  extra_filters: {sku: [{operator: STARTS WITH, value: DEMO}],\n"
        "                  enabled: [{operator: '!=', value: false}]}\n")
    interval = (dt.datetime(2026, 11, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=1))),
                dt.datetime(2026, 11, 2, tzinfo=dt.UTC))
    assert mapping.akeneo_search(interval) == {
        "data_owner": [{"operator": "IN", "value": ["icecat"]}],
        "enabled": [{"operator": "=", "value": True}, {"operator": "!=", "value": False}],
        "family": [{"operator": "IN", "value": ["laptops", "monitors"]}],
        "categories": [{"operator": "IN", "value": ["electronics"]}],
        "completeness": [{"operator": "<", "value": 100, "scope": "ecommerce"}],
        "updated": [{"operator": "BETWEEN", "value": ["2026-11-01 00:00:00", "2026-11-02 00:00:00"]}],
        "sku": [{"operator": "STARTS WITH", "value": "DEMO"}],
    }


def test_the_interval_filter_comes_with_an_interval_only() -> None:
    mapping = _mapping("selection: {}\n")
    interval = (dt.datetime(2026, 11, 1), dt.datetime(2026, 11, 2))
    assert mapping.akeneo_search(None) == {"enabled": [{"operator": "=", "value": True}]}
    assert mapping.akeneo_search(interval)["updated"] == [
        {"operator": "BETWEEN", "value": ["2026-11-01 00:00:00", "2026-11-02 00:00:00"]}]
    assert _mapping("selection: {enabled: null}\n").akeneo_search(None) == {}


def test_updated_in_interval_makes_incremental_runs_the_default() -> None:
    assert _mapping("selection: {updated_in_interval: true}\n").dag_params()["full_refresh"] is False
    assert _mapping("selection: {}\n").dag_params()["full_refresh"] is True


def test_dag_params_are_the_run_defaults() -> None:
    mapping = load_mapping(DEMO_MAPPING)
    assert mapping.dag_params() == {"failure_ratio": 0.3, "batch_size": 100, "akeneo_concurrency": 4,
                                    "icecat_concurrency": 8, "dry_run": False, "manual_edits_win": True,
                                    "max_refused_ratio": 0.25, "lock_wait_s": 0, "shard_size": 5000,
                                    "rebuild_all": False,
                                    "full_refresh": True}
    text = DEMO_MAPPING.read_text()
    without_params = parse_mapping(text[:text.index("params:")], "demo.yaml")
    assert without_params.dag_params()["failure_ratio"] == 0.25
    assert without_params.dag_params()["batch_size"] == 100
    assert without_params.dag_params()["max_refused_ratio"] == 0.01


def test_the_documented_icecat_languages_are_the_ones_accepted() -> None:
    from icecat_akeneo.icecat.languages import ICECAT_LANGUAGES

    docs = (Path(__file__).resolve().parents[2] / "docs" / "mapping.md").read_text(encoding="utf-8")
    listed = docs.split("Icecat language codes: ")[1].split(" (`")[0].split()
    assert listed == sorted(ICECAT_LANGUAGES)


def test_a_mapping_with_a_cron_schedule_and_shared_attribute_in_other_locales_loads() -> None:
    text = DEMO_MAPPING.read_text().replace('schedule: "@daily"', 'schedule: "30 2 * * 1-5"')
    text = text.replace("  - {source: release_date, attribute: release_date}",
                        "  - {source: title, attribute: short_description, locales: [xx_XX]}\n"
                        "  - {source: release_date, attribute: release_date}")
    mapping = parse_mapping(text.replace("locales: [xx_XX]", "locales: [fr_FR]"), "demo.yaml")
    assert mapping.schedule == "30 2 * * 1-5"
    with pytest.raises(MappingError, match=r"demo.yaml:31 fields\[4\]: writes 'short_description'"):
        parse_mapping(text.replace("locales: [xx_XX]", "locales: [de_DE]"), "demo.yaml")
