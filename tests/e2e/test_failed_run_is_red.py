"""A run whose validate step failed is red in Airflow (issue 11, points 2 and 3): `dag.test()` of a client
whose validation threshold the demo catalogue exceeds. The report still runs and writes report.json, then
fails the run; ValidationFailed is not retried (one try), transform and load never run."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from sandbox.connections import demo_connections
from tests.conftest import Sandbox

REPO = Path(__file__).resolve().parents[2]


def strict_demo_mapping(folder: Path) -> Path:
    """The demo client, but failing validation as soon as one product is quarantined (the demo has two)."""
    folder.mkdir(parents=True, exist_ok=True)
    text = (REPO / "include" / "mappings" / "demo.yaml").read_text()
    text = text.replace("  failure_ratio: 0.3 ", "  failure_ratio: 0.0 ")
    assert "failure_ratio: 0.0" in text
    (folder / "demo.yaml").write_text(text)
    return folder


def test_a_validate_failure_makes_the_dag_run_failed_with_a_report_and_no_retry(
        airflow_db: Path, akeneo: Sandbox, icecat: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data_root = tmp_path / "data"
    env = {"ICECAT_AKENEO_DATA_ROOT": str(data_root), "ICECAT_AKENEO_MAPPINGS": str(strict_demo_mapping(
        tmp_path / "mappings")), **demo_connections(akeneo.base_url, icecat.base_url)}
    for key, val in env.items():
        monkeypatch.setenv(key, val)
    from airflow.dag_processing.dagbag import DagBag
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session

    dag = DagBag(dag_folder=str(REPO / "dags")).get_dag("icecat_sync__demo")
    dag_run = dag.test()
    with create_session() as session:
        tis = {ti.task_id: (str(ti.state), ti.try_number) for ti in session.query(TaskInstance).filter(
            TaskInstance.dag_id == dag.dag_id, TaskInstance.run_id == dag_run.run_id)}
    assert str(dag_run.state) == "failed"
    assert tis["validate"] == ("failed", 1), "ValidationFailed fails at once, without the task's retries"
    assert tis["transform"][0] == tis["load"][0] == "upstream_failed"
    assert tis["report"][0] == "failed"
    report = json.loads(next(data_root.glob("demo/*/report.json")).read_text())
    assert report["summary"]["status"] == "failed"
    assert report["summary"]["status_reason"].startswith("Failed: validate failed: ")
    assert report["validate"]["status"] == "failed"
