"""The actions outside the sync DAG, as a user runs them: the CLI (`python -m icecat_akeneo ...`) against the
sandboxes with Connections from the environment, and the preflight DAG."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sandbox.connections import demo_connections
from tests.conftest import Sandbox

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "sandbox" / "icecat" / "samples" / "akeneo-icecatconnector__xml_8806088281285-de.xml"


def connections(akeneo: Sandbox, icecat: Sandbox, data_root: Path) -> dict[str, str]:
    return {"ICECAT_AKENEO_DATA_ROOT": str(data_root), **demo_connections(akeneo.base_url, icecat.base_url)}


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "icecat_akeneo", *args], cwd=REPO, capture_output=True,
                          text=True, env={**os.environ, **(env or {})}, timeout=300)


def test_normalize_prints_the_record_of_a_saved_response() -> None:
    result = cli("normalize", str(SAMPLE))
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert (record["icecat_id"], record["lang"], record["brand"]) == (31040076, "DE", "Samsung")
    assert record["features"] and record["images"]


def test_normalize_names_the_problem_of_a_broken_file(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"msg": "OK", "data": {"GeneralInfo": "not an object"}}')
    result = cli("normalize", str(broken))
    assert result.returncode == 1
    assert "GeneralInfo" in result.stderr


def test_dry_run_shows_the_changes_and_writes_nothing(akeneo: Sandbox, icecat: Sandbox, tmp_path: Path) -> None:
    result = cli("dry-run", "--client", "demo", "--sample", "5", env=connections(akeneo, icecat, tmp_path))
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    assert output["load"]["dry_run"] is True and output["load"]["products_changed"] >= 1
    assert output["load"]["values_by_change"].get("added", 0) > 0
    requests = akeneo.counters()["requests"]
    assert not any(route.startswith(("PATCH", "POST /api/rest/v1/media")) for route in requests), requests


def test_preflight_of_the_demo_client_is_ready(akeneo: Sandbox, icecat: Sandbox, tmp_path: Path) -> None:
    result = cli("preflight", "--client", "demo", "--sample", "4", env=connections(akeneo, icecat, tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    summary = json.loads(result.stdout)
    assert summary["ready"] is True and not summary["failed"]
    assert Path(summary["report"]).exists()
    assert summary["recommended"]


@pytest.mark.usefixtures("airflow_db")
def test_the_preflight_dag_writes_a_readiness_report(akeneo: Sandbox, icecat: Sandbox, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in connections(akeneo, icecat, tmp_path).items():
        monkeypatch.setenv(key, value)
    from airflow.dag_processing.dagbag import DagBag

    dag = DagBag(dag_folder=str(REPO / "dags")).get_dag("icecat_preflight__demo")
    dag_run = dag.test(run_conf={"sample_size": 3})
    assert str(dag_run.state) == "success"
    readiness = json.loads(next(tmp_path.glob("demo/preflight/*/readiness.json")).read_text())
    assert readiness["ready"] is True
