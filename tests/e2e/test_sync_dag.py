"""The top rung: `dag.test()` of `icecat_sync__demo` against both sandboxes, then what a PIM manager would
check in Akeneo and in the run's report."""
from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from icecat_akeneo.artifacts import STEPS

from sandbox.connections import demo_connections
from tests.conftest import AKENEO_CREDENTIALS, Sandbox

REPO = Path(__file__).resolve().parents[2]


def akeneo_token(sandbox: Sandbox) -> str:
    return httpx.post(
        f"{sandbox.base_url}/api/oauth/v1/token",
        auth=(AKENEO_CREDENTIALS["client_id"], AKENEO_CREDENTIALS["secret"]),
        json={"grant_type": "password", "username": AKENEO_CREDENTIALS["username"],
              "password": AKENEO_CREDENTIALS["password"]},
    ).json()["access_token"]


def akeneo_get(sandbox: Sandbox, path: str) -> httpx.Response:
    return httpx.get(f"{sandbox.base_url}{path}", headers={"Authorization": f"Bearer {akeneo_token(sandbox)}"})


def product_values(sandbox: Sandbox, identifier: str) -> dict:
    response = akeneo_get(sandbox, f"/api/rest/v1/products/{identifier}")
    response.raise_for_status()
    return response.json()["values"]


def value(values: dict, attribute: str, locale: str | None = None) -> object:
    return next((v["data"] for v in values.get(attribute, []) if v["locale"] == locale), None)


@pytest.fixture(scope="module")
def demo_run(airflow_db: Path, akeneo_server: Sandbox, icecat_server: Sandbox,
             tmp_path_factory: pytest.TempPathFactory) -> dict:
    """One run of the demo DAG; every test below reads its outcome."""
    akeneo_server.reset()
    icecat_server.reset()
    data_root = tmp_path_factory.mktemp("data")
    env = {"ICECAT_AKENEO_DATA_ROOT": str(data_root),
           **demo_connections(akeneo_server.base_url, icecat_server.base_url)}
    with pytest.MonkeyPatch.context() as patch:
        for key, val in env.items():
            patch.setenv(key, val)
        from airflow.dag_processing.dagbag import DagBag

        dag = DagBag(dag_folder=str(REPO / "dags")).get_dag("icecat_sync__demo")
        dag_run = dag.test()
        from airflow.models.taskinstance import TaskInstance
        from airflow.utils.session import create_session

        with create_session() as session:
            tis = session.query(TaskInstance).filter(TaskInstance.dag_id == dag.dag_id,
                                                     TaskInstance.run_id == dag_run.run_id).all()
            states = {ti.task_id: str(ti.state) for ti in tis}
            xcoms = {ti.task_id: ti.xcom_pull(task_ids=ti.task_id, session=session) for ti in tis} \
                if hasattr(TaskInstance, "xcom_pull") else {}
    reports = sorted(data_root.glob("demo/*/report.json"))
    assert reports, f"no report.json under {data_root}; task states: {states}"
    return {"states": states, "xcoms": xcoms, "report": json.loads(reports[-1].read_text()),
            "run_dir": reports[-1].parent}


def test_every_task_succeeds(demo_run: dict) -> None:
    assert demo_run["states"] == {step: "success" for step in (*STEPS, "shards", "validated", "report")}


def test_found_products_hold_icecat_content_in_two_languages(demo_run: dict, akeneo_server: Sandbox) -> None:
    values = product_values(akeneo_server, "DEMO-SAMSUNG-S7")
    assert "Galaxy S7" in str(value(values, "name", "en_US"))
    assert value(values, "name", "de_DE")
    assert value(values, "description", "de_DE") != value(values, "description", "en_US")
    dell = product_values(akeneo_server, "DEMO-DELL-G5")
    assert value(dell, "name", "en_US")
    assert dell["main_image"][0]["data"], "the main image was uploaded as an Akeneo media file"


def test_products_not_in_icecat_get_no_line_and_are_reported(demo_run: dict) -> None:
    sent = "".join(p.read_text() for p in (demo_run["run_dir"] / "transform").glob("batch-*.ndjson"))
    for identifier in ("DEMO-ONEPLUS", "DEMO-HILLS", "DEMO-NOID"):
        assert f'"{identifier}"' not in sent
    outcomes = demo_run["report"]["enrich"]["outcomes"]
    assert outcomes["not_in_icecat"] == 1 and outcomes["full_icecat_required"] == 1
    assert outcomes["no_identifiers"] == 1


def test_quarantined_products_are_not_loaded(demo_run: dict, akeneo_server: Sandbox) -> None:
    assert demo_run["report"]["validate"]["quarantined"] >= 1
    sent = "".join(p.read_text() for p in (demo_run["run_dir"] / "transform").glob("batch-*.ndjson"))
    assert '"DEMO-BADEAN"' not in sent
    assert value(product_values(akeneo_server, "DEMO-BADEAN"), "name", "en_US") is None


def test_a_422_line_is_recorded_with_its_message(demo_run: dict) -> None:
    load = demo_run["report"]["load"]
    assert load["lines_by_status"].get("422", 0) >= 1
    assert load["unprocessable_top"][0]["message"]


def test_every_step_pushed_its_report_to_xcom(demo_run: dict) -> None:
    xcoms = demo_run["xcoms"]
    for step in STEPS:  # the mapped steps push one report per shard (the demo: one shard)
        pushed = xcoms.get(step) if step == "extract" else list(xcoms.get(step) or [])
        assert pushed and all(isinstance(report, dict) and report for report in
                              (pushed if isinstance(pushed, list) else [pushed])), step
        assert demo_run["report"][step]["status"] == "done"
    assert xcoms["extract"]["products"] == demo_run["report"]["extract"]["products"]


def test_no_secret_lands_in_artifacts_reports_or_xcom(demo_run: dict) -> None:
    secrets = (AKENEO_CREDENTIALS["secret"], AKENEO_CREDENTIALS["password"])
    data_root = demo_run["run_dir"].parents[1]
    for path in (p for p in data_root.rglob("*") if p.is_file()):
        content = path.read_bytes()
        assert not any(secret.encode() in content for secret in secrets), path
    assert not any(secret in json.dumps(demo_run["xcoms"], default=str) for secret in secrets)



def test_english_fallbacks_count_as_fallbacks_not_as_german(demo_run: dict) -> None:
    """Asked for DE, the sandbox answers English for all but one demo product: no de_DE value comes of them."""
    enrich = demo_run["report"]["enrich"]
    assert enrich["records_per_language"] == {"EN": 11, "DE": 1}
    assert enrich["fallbacks_per_language"] == {"DE": 10}
    german = next(row for row in demo_run["report"]["coverage"]["locales"] if row["locale"] == "de_DE")
    assert (german["own_content"], german["fallback"]) == (1, german["products"] - 1)
    assert german["cells"]["name"] == {"written": 1, "refused": 0, "manual_edits": 0,
                                       "missing_language": german["products"] - 1}


def test_akeneo_completeness_is_measured_before_and_after_load(demo_run: dict) -> None:
    completeness = demo_run["report"]["completeness"]
    before, after = completeness["before"]["ecommerce"], completeness["after"]["ecommerce"]
    assert before.keys() == after.keys() >= {"en_US", "de_DE"}
    assert after["en_US"]["products"] == demo_run["report"]["extract"]["products"]
    assert after["en_US"]["average"] > before["en_US"]["average"], completeness
