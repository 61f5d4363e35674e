"""The sync DAG's sharded shape: after extract, the steps are mapped over the shards, and the tasks that call
an API run in the pool of their client's Connection."""
from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.usefixtures("airflow_db")

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def dag():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(REPO / "dags")).dags["icecat_sync__demo"]


def test_each_step_after_extract_is_one_mapped_task_per_shard(dag) -> None:
    from airflow.sdk.definitions.mappedoperator import MappedOperator

    mapped = {task.task_id for task in dag.tasks if isinstance(task, MappedOperator)}
    assert mapped == {"enrich", "validate", "transform", "load"}
    for task_id in mapped:
        assert "shards" in dag.get_task(task_id).upstream_task_ids, task_id


def test_api_tasks_run_in_their_connection_s_pool(dag) -> None:
    pools = {task.task_id: task.pool for task in dag.tasks}
    assert pools["extract"] == pools["load"] == "akeneo__akeneo_demo"
    assert pools["enrich"] == "icecat__icecat_demo"
    assert pools["validate"] == pools["transform"] == "default_pool"


def test_the_shard_size_is_a_run_param(dag) -> None:
    assert dag.params["shard_size"] == 5000
