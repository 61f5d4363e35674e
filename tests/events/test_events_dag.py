"""`icecat_sync_new__<client>`: only for mappings with `events:`, scheduled on the watched asset, one run at
a time, the five steps after claiming the run's events."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.events.support import DEMO_MAPPING, events_mapping

pytestmark = pytest.mark.usefixtures("airflow_db")
REPO = Path(__file__).resolve().parents[2]


def events_dags(monkeypatch: pytest.MonkeyPatch, mappings: Path) -> dict:
    from airflow.dag_processing.dagbag import DagBag

    monkeypatch.setenv("ICECAT_AKENEO_MAPPINGS", str(mappings))
    bag = DagBag(dag_folder=str(REPO / "dags" / "icecat_events.py"))
    assert bag.import_errors == {}
    return bag.dags


def test_a_mapping_without_events_has_no_event_dag(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "demo.yaml").write_text(DEMO_MAPPING.read_text())
    assert events_dags(monkeypatch, tmp_path) == {}


def test_the_event_dag_waits_on_the_watched_asset_and_runs_the_five_steps(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    events_mapping(tmp_path, poll_seconds=30, batch=200)
    dag = events_dags(monkeypatch, tmp_path)["icecat_sync_new__demo"]
    [asset] = dag.timetable.asset_condition.objects
    [watcher] = asset.watchers
    assert asset.uri == "akeneo://demo/product-events"
    assert watcher.trigger.serialize()[1] == {"client": "demo", "mapping_path": str(tmp_path / "demo.yaml"),
                                              "poll_seconds": 30, "batch": 200}
    assert dag.max_active_runs == 1
    chain = ["claim_events", "extract", "enrich", "validate", "transform", "load", "report"]
    for upstream, downstream in zip(chain, chain[1:], strict=False):
        assert dag.get_task(downstream).upstream_task_ids == {upstream}
