"""docker-compose.yaml cannot be run here (no Docker engine), so its shape is checked instead: the Airflow 3
services of the official topology on Postgres + Redis with CeleryExecutor, the mounts the DAGs need, and the
two sandboxes; everything it references exists in the repo; and it agrees with the native stack
(`make prod-up`, deploy/topology.py) on executor, broker, result backend, shared secrets and services."""
from __future__ import annotations

import re
from pathlib import Path

import yaml

from deploy import topology
from deploy.prod import processes

REPO = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((REPO / "docker-compose.yaml").read_text())
AIRFLOW_SERVICES = ("airflow-apiserver", "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer",
                    "airflow-worker")
SHARED_ENV = COMPOSE["x-airflow-common"]["environment"]
NATIVE = topology.as_environment(topology.airflow_config(
    topology.Endpoints.from_env(), Path("/tmp/home"),
    {"jwt_secret": "j", "secret_key": "s", "fernet_key": "f"}))


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
            named_volume = not local.startswith(".") and local in COMPOSE["volumes"]
            assert local in ("./data", "./logs") or named_volume or (REPO / local).is_dir(), local


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


def test_the_image_installs_runtime_and_production_requirements_against_the_constraints_without_test_tools() -> None:
    dockerfile = (REPO / "Dockerfile").read_text()
    assert "FROM apache/airflow:3." in dockerfile
    assert "-c /requirements/constraints.txt" in dockerfile
    for part in ("runtime", "sandbox", "prod"):
        assert f"-r /requirements/{part}.txt" in dockerfile
    assert "dev.txt" not in dockerfile and "requirements.txt" not in dockerfile
    image_pins = "".join((REPO / "requirements" / f"{part}.txt").read_text() for part in ("runtime", "sandbox", "prod"))
    assert not re.search(r"^(pytest|ruff|playwright)", image_pins, re.MULTILINE)
    assert COMPOSE["x-airflow-common"]["build"] == "."


def pins(text: str) -> dict[str, str]:
    found = re.findall(r"^([A-Za-z0-9_.-]+)(?:\[[a-z,]+\])?==(\S+)", text, re.MULTILINE)
    return {name.lower().replace("_", "-"): version for name, version in found}


def test_every_pin_is_the_version_the_constraints_file_holds() -> None:
    """Bumping a pin without regenerating the constraints (`make constraints`) fails here, not at install."""
    constraints = pins((REPO / "requirements" / "constraints.txt").read_text())
    for part in sorted((REPO / "requirements").glob("*.txt")):
        for name, version in pins(part.read_text()).items():
            assert constraints.get(name) == version, f"{part.name}: {name}=={version}"
    assert "apache-airflow-providers-celery" in constraints and constraints["celery"].startswith("5.6.")


def test_the_image_installs_the_connector_as_a_provider_package() -> None:
    dockerfile = (REPO / "Dockerfile").read_text()
    assert "COPY --chown=airflow:0 pyproject.toml" in dockerfile
    assert "pip install --no-cache-dir --no-deps /opt/airflow/connector" in dockerfile


def test_compose_and_the_native_stack_agree_on_executor_broker_backend_and_database_driver() -> None:
    assert SHARED_ENV["AIRFLOW__CORE__EXECUTOR"] == NATIVE["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert SHARED_ENV["AIRFLOW__CORE__AUTH_MANAGER"] == NATIVE["AIRFLOW__CORE__AUTH_MANAGER"]
    for key, scheme in (("AIRFLOW__CELERY__BROKER_URL", "redis://"),
                        ("AIRFLOW__CELERY__RESULT_BACKEND", "db+postgresql://"),
                        ("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", "postgresql+psycopg2://")):
        assert SHARED_ENV[key].startswith(scheme) and NATIVE[key].startswith(scheme), key
    assert SHARED_ENV["AIRFLOW__CELERY__WORKER_CONCURRENCY"] == NATIVE["AIRFLOW__CELERY__WORKER_CONCURRENCY"]
    assert SHARED_ENV["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS"] == NATIVE["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS"]


def test_parallelism_is_the_workers_task_slots_in_compose_and_the_native_stack() -> None:
    """The APIs' limits are shared among the shards that can really run at once (`pools.share`)."""
    slots_per_worker = int(SHARED_ENV["AIRFLOW__CELERY__WORKER_CONCURRENCY"])
    replicas = COMPOSE["services"]["airflow-worker"]["deploy"]["replicas"]
    assert int(SHARED_ENV["AIRFLOW__CORE__PARALLELISM"]) == replicas * slots_per_worker
    assert int(NATIVE["AIRFLOW__CORE__PARALLELISM"]) == topology.WORKERS * slots_per_worker


def test_every_container_shares_one_jwt_secret_and_fernet_key_from_the_environment() -> None:
    for key, variable in (("AIRFLOW__API_AUTH__JWT_SECRET", "AIRFLOW_JWT_SECRET"),
                          ("AIRFLOW__API__SECRET_KEY", "AIRFLOW_SECRET_KEY"),
                          ("AIRFLOW__CORE__FERNET_KEY", "AIRFLOW_FERNET_KEY")):
        assert key in NATIVE
        assert SHARED_ENV[key].startswith("${" + variable + ":?"), key  # required: compose refuses to start without
        for name in AIRFLOW_SERVICES:
            assert COMPOSE["services"][name]["environment"][key] == SHARED_ENV[key]


def test_compose_runs_the_services_the_native_stack_starts() -> None:
    native = processes(topology.Endpoints.from_env(), Path("/tmp/home"))
    workers = {name for name in native if name.startswith("airflow-worker-")}
    assert len(workers) == topology.WORKERS == COMPOSE["services"]["airflow-worker"]["deploy"]["replicas"]
    assert set(native) - workers == set(topology.AIRFLOW_SERVICES) - {"airflow-worker"} | set(topology.SANDBOX_SERVICES)
    for name, command in topology.AIRFLOW_SERVICES.items():
        assert COMPOSE["services"][name]["command"] == " ".join(command)
    assert set(topology.SANDBOX_SERVICES) <= set(COMPOSE["services"])


def test_the_admin_password_comes_from_a_variable_and_no_fab_user_is_created() -> None:
    init = COMPOSE["services"]["airflow-init"]
    assert "_AIRFLOW_WWW_USER_CREATE" not in init["environment"]
    assert init["environment"]["AIRFLOW_ADMIN_PASSWORD"].startswith("${AIRFLOW_ADMIN_PASSWORD:?")
    assert SHARED_ENV["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"] in init["command"][1]


def test_sandboxes_have_healthchecks_on_their_health_route() -> None:
    for name in topology.SANDBOX_SERVICES:
        check = " ".join(COMPOSE["services"][name]["healthcheck"]["test"])
        port = COMPOSE["services"][name]["ports"][0].split(":")[1]
        assert f"localhost:{port}/_sandbox/health" in check
