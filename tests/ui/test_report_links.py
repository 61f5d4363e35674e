"""The "Run report" and "Data Docs" buttons: the api-server attaches them (plugin `operator_extra_links`) to the
sync DAG's TaskFlow tasks when it loads the serialized DAG, and each opens that run's page."""
from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.usefixtures("airflow_db")

REPO = Path(__file__).resolve().parents[2]


def served_task(dag_id: str, task_id: str):
    """A task as the api-server sees it: the DAG parsed, serialized, then loaded back with the plugins."""
    from airflow.dag_processing.dagbag import DagBag
    from airflow.serialization.serialized_objects import DagSerialization

    bag = DagBag(dag_folder=str(REPO / "dags"))
    return DagSerialization.from_dict(DagSerialization.to_dict(bag.get_dag(dag_id))).get_task(task_id)


def links_of(dag_id: str, task_id: str, run_id: str) -> dict[str, str]:
    from airflow.models.taskinstancekey import TaskInstanceKey

    task = served_task(dag_id, task_id)
    key = TaskInstanceKey(dag_id, task_id, run_id, 1, -1)
    return {link.name: link.get_link(task, ti_key=key) for link in task.operator_extra_links}


@pytest.mark.parametrize("task_id", ["extract", "load", "report"])
def test_every_sync_task_links_to_its_runs_report_and_data_docs(task_id: str) -> None:
    links = links_of("icecat_sync__demo", task_id, "manual__2026-12-01T10:00:00+00:00")
    assert links == {"Run report": "/icecat-akeneo/demo/manual__2026-12-01T10_00_00_00_00/",
                     "Data Docs": "/icecat-akeneo/demo/manual__2026-12-01T10_00_00_00_00/data-docs"}


def test_tasks_of_other_dags_get_no_link() -> None:
    links = links_of("icecat_preflight__demo", "readiness", "manual__2026-12-01T10:00:00+00:00")
    assert set(links.values()) == {""}


def test_the_operators_doc_says_how_to_rerun_backfill_and_find_reports() -> None:
    doc = served_task("icecat_sync__demo", "load").dag.doc_md
    for words in ("failure_ratio", '{"dry_run": true}', "Clear task", "airflow backfill create", "Run report",
                  "starts **paused**", "on trigger", "include/mappings/demo.yaml"):
        assert words in doc, words
    assert "$" not in doc.replace("$PWD", "")
