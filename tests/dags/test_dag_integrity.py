"""The ladder's first rungs: every DAG file imports cleanly, one DAG per mapping file, with the policies
(tags, retries, docs, params) and the five-step chain; a broken mapping takes down only its own client."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pytestmark = pytest.mark.usefixtures("airflow_db")

REPO = Path(__file__).resolve().parents[2]
MAPPINGS = sorted((REPO / "include" / "mappings").glob("*.yaml"))


def _dagbag(monkeypatch: pytest.MonkeyPatch, mappings: Path | None = None):
    from airflow.dag_processing.dagbag import DagBag

    if mappings is not None:
        monkeypatch.setenv("ICECAT_AKENEO_MAPPINGS", str(mappings))
    return DagBag(dag_folder=str(REPO / "dags"))


def test_dag_files_import_without_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    bag = _dagbag(monkeypatch)
    assert bag.import_errors == {}


def test_one_sync_dag_per_mapping_file(monkeypatch: pytest.MonkeyPatch) -> None:
    bag = _dagbag(monkeypatch)
    sync_ids = sorted(d for d in bag.dag_ids if d.startswith("icecat_sync__"))
    assert sync_ids == [f"icecat_sync__{p.stem}" for p in MAPPINGS]


def test_sync_dags_follow_policy(monkeypatch: pytest.MonkeyPatch) -> None:
    bag = _dagbag(monkeypatch)
    for dag_id in (d for d in bag.dag_ids if d.startswith("icecat_sync__")):
        dag = bag.get_dag(dag_id)
        assert {"icecat", "akeneo"} <= set(dag.tags)
        assert dag.doc_md and "Mapping file" in dag.doc_md
        assert {"failure_ratio", "batch_size", "dry_run"} <= set(dag.params.keys())
        for task in dag.tasks:
            assert task.retries >= 2 or task.task_id == "report", task.task_id


def test_sync_dag_chains_the_five_steps_then_reports(monkeypatch: pytest.MonkeyPatch) -> None:
    dag = _dagbag(monkeypatch).get_dag("icecat_sync__demo")
    chain = ["extract", "shards", "enrich", "validate", "validated", "transform", "load", "report"]
    for upstream, downstream in zip(chain, chain[1:], strict=False):
        upstream_ids = dag.get_task(downstream).upstream_task_ids
        assert upstream in upstream_ids and upstream_ids <= {upstream, "shards"}, downstream
    assert dag.get_task("report").trigger_rule == "all_done"


def test_a_broken_mapping_is_an_import_error_naming_it_and_other_clients_still_load(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    shutil.copy(REPO / "include" / "mappings" / "demo.yaml", tmp_path / "demo.yaml")
    broken = (REPO / "include" / "mappings" / "demo.yaml").read_text().replace("client: demo", "client: acme")
    broken = broken.replace("languages:", "languages: 12\nlanguages_was:", 1)
    (tmp_path / "acme.yaml").write_text(broken)
    bag = _dagbag(monkeypatch, tmp_path)
    assert "icecat_sync__demo" in bag.dag_ids
    assert "icecat_sync__acme" not in bag.dag_ids
    errors = "\n".join(bag.import_errors.values())
    assert "acme.yaml" in errors and "languages" in errors


def test_scheduled_runs_have_a_data_interval_to_select_updated_products(monkeypatch: pytest.MonkeyPatch) -> None:
    import datetime as dt

    from airflow.serialization.encoders import coerce_to_core_timetable

    dag = _dagbag(monkeypatch).get_dag("icecat_sync__demo")
    interval = coerce_to_core_timetable(dag.timetable).infer_manual_data_interval(
        run_after=dt.datetime(2026, 11, 26, 12, tzinfo=dt.UTC))
    assert interval.end - interval.start == dt.timedelta(days=1)


def test_parsing_the_dag_files_loads_no_data_library() -> None:
    """Nothing slow at parse time: pandas, pyarrow and Great Expectations are imported by tasks, not DAGs."""
    import os
    import subprocess
    import sys

    code = ("import sys; sys.path[:0] = ['dags', 'plugins']; import icecat_sync, icecat_preflight; "
            "print(sorted(m for m in ('pandas', 'pyarrow', 'great_expectations') "
            "if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                            env=os.environ.copy(), check=True)
    assert result.stdout.strip().splitlines()[-1] == "[]"
