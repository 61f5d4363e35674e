"""docker-compose.yaml cannot be run here (no Docker engine), so its shape is checked instead: the Airflow 3
services of the official topology on Postgres + Redis with CeleryExecutor, the mounts the DAGs need, and the
two sandboxes; and everything it references exists in the repo."""
from __future__ import annotations

from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((REPO / "docker-compose.yaml").read_text())
AIRFLOW_SERVICES = ("airflow-apiserver", "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer",
                    "airflow-worker")


def test_every_airflow3_component_runs_with_its_own_command() -> None:
    commands = {name: COMPOSE["services"][name]["command"] for name in AIRFLOW_SERVICES}
    assert commands == {
        "airflow-apiserver": "api-server",
        "airflow-scheduler": "scheduler",
        "airflow-dag-processor": "dag-processor",
        "airflow-triggerer": "triggerer",
        "airflow-worker": "celery worker",
    }


def test_airflow_runs_celery_on_postgres_and_redis_and_waits_for_them() -> None:
    for name in AIRFLOW_SERVICES:
        service = COMPOSE["services"][name]
        env = service["environment"]
        assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
        assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql+psycopg2://")
        assert env["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://")
        assert {"postgres", "redis"} <= set(service["depends_on"])
        assert service["depends_on"]["airflow-init"]["condition"] == "service_completed_successfully"
        assert "healthcheck" in service


def test_dags_plugins_and_mappings_are_mounted_from_the_repo() -> None:
    for name in AIRFLOW_SERVICES:
        mounts = {m.split(":")[0]: m.split(":")[1] for m in COMPOSE["services"][name]["volumes"]}
        assert mounts["./dags"] == "/opt/airflow/dags"
        assert mounts["./plugins"] == "/opt/airflow/plugins"
        assert mounts["./include"] == "/opt/airflow/include"
        for local in mounts:
            assert local in ("./data", "./logs") or (REPO / local).is_dir(), local


def test_sandboxes_start_with_their_documented_module_commands() -> None:
    akeneo = COMPOSE["services"]["akeneo-sandbox"]["entrypoint"]
    icecat = COMPOSE["services"]["icecat-sandbox"]["entrypoint"]
    assert akeneo[:3] == ["python", "-m", "sandbox.akeneo"] and "--seed" in akeneo
    assert icecat[:3] == ["python", "-m", "sandbox.icecat"]
    assert (REPO / "sandbox" / "akeneo" / "__main__.py").exists()
    assert (REPO / "sandbox" / "icecat" / "__main__.py").exists()


def test_connections_point_at_the_sandboxes_by_default_and_carry_no_real_secret() -> None:
    env = COMPOSE["services"]["airflow-worker"]["environment"]
    assert "akeneo-sandbox:8081" in env["AIRFLOW_CONN_AKENEO_DEMO"]
    assert "icecat-sandbox:8082" in env["AIRFLOW_CONN_ICECAT_DEMO"]
    assert env["AIRFLOW_CONN_AKENEO_DEMO"].startswith("${AIRFLOW_CONN_AKENEO_DEMO:-")


def test_the_image_installs_the_pinned_requirements() -> None:
    dockerfile = (REPO / "Dockerfile").read_text()
    assert "FROM apache/airflow:3." in dockerfile
    assert "requirements.txt" in dockerfile
    assert COMPOSE["x-airflow-common"]["build"] == "."


def test_the_image_installs_the_connector_as_a_provider_package() -> None:
    dockerfile = (REPO / "Dockerfile").read_text()
    assert "COPY --chown=airflow:0 pyproject.toml" in dockerfile
    assert "pip install --no-cache-dir --no-deps /opt/airflow/connector" in dockerfile
