"""The production topology as data: which services run and the one Airflow configuration they all share.

`deploy/prod.py` writes it to a single `airflow.cfg` for the native stack; `docker-compose.yaml` states the same
settings as `AIRFLOW__*` variables; `tests/test_docker_compose.py` checks that the two agree. Every component
must see the same JWT secret (the api-server verifies the tokens the scheduler signs for Celery tasks, else
"Invalid auth token"), the same Fernet key and the same metadata database.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
EXECUTOR = "CeleryExecutor"
AUTH_MANAGER = "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager"
ADMIN_USER = "admin"

# Airflow components (command after `airflow`) and the two sandboxes, by service name (as in docker-compose.yaml).
AIRFLOW_SERVICES: dict[str, tuple[str, ...]] = {
    "airflow-apiserver": ("api-server",),
    "airflow-scheduler": ("scheduler",),
    "airflow-dag-processor": ("dag-processor",),
    "airflow-triggerer": ("triggerer",),
    "airflow-worker": ("celery", "worker"),
}
SANDBOX_SERVICES = ("akeneo-sandbox", "icecat-sandbox")
WORKERS = int(os.environ.get("ICECAT_PROD_WORKERS", "2"))  # Celery workers `deploy.prod up` starts
WORKER_CONCURRENCY = 4  # task slots per Celery worker


@dataclass(frozen=True)
class Endpoints:
    """Where the native stack listens and what it talks to; each can be moved by an environment variable."""

    postgres: str  # postgresql://user@host:port, without a database
    redis: str
    airflow_db: str
    state_db: str
    base_port: int

    @classmethod
    def from_env(cls) -> Endpoints:
        return cls(
            postgres=os.environ.get("ICECAT_PROD_POSTGRES", "postgresql://postgres@127.0.0.1:5432"),
            redis=os.environ.get("ICECAT_PROD_REDIS", "redis://127.0.0.1:6379/0"),
            airflow_db=os.environ.get("ICECAT_PROD_AIRFLOW_DB", "icecat_airflow"),
            state_db=os.environ.get("ICECAT_PROD_STATE_DB", "icecat_state"),
            base_port=int(os.environ.get("ICECAT_PROD_PORT", "8080")),
        )

    @property
    def api_port(self) -> int:
        return self.base_port

    @property
    def akeneo_port(self) -> int:
        return self.base_port + 1

    @property
    def icecat_port(self) -> int:
        return self.base_port + 2

    def worker_log_port(self, index: int) -> int:
        """Each worker serves its task logs on its own port (two workers on one host)."""
        return self.base_port + 10 + index

    @property
    def triggerer_log_port(self) -> int:
        return self.base_port + 19

    def database(self, name: str, driver: str = "postgresql+psycopg2") -> str:
        return f"{driver}://{self.postgres.split('://', 1)[1]}/{name}"


def airflow_config(endpoints: Endpoints, home: Path, secrets: dict[str, str]) -> dict[str, dict[str, str]]:
    """The shared airflow.cfg, by section: CeleryExecutor, Redis broker, result backend on PostgreSQL."""
    return {
        "core": {
            "executor": EXECUTOR,
            "auth_manager": AUTH_MANAGER,
            "simple_auth_manager_users": f"{ADMIN_USER}:admin",
            "simple_auth_manager_passwords_file": str(home / "passwords.json"),
            "dags_folder": str(REPO_ROOT / "dags"),
            "plugins_folder": str(REPO_ROOT / "plugins"),
            "load_examples": "False",
            "dags_are_paused_at_creation": "True",
            "fernet_key": secrets["fernet_key"],
            "execution_api_server_url": f"http://127.0.0.1:{endpoints.api_port}/execution/",
            # the workers' slots: what a run's shards can really run at once (`icecat_akeneo.pools.share`)
            "parallelism": str(WORKERS * WORKER_CONCURRENCY),
        },
        "database": {"sql_alchemy_conn": endpoints.database(endpoints.airflow_db)},
        "celery": {
            "broker_url": endpoints.redis,
            "result_backend": endpoints.database(endpoints.airflow_db, driver="db+postgresql"),
            "worker_concurrency": str(WORKER_CONCURRENCY),
        },
        "api": {"host": "127.0.0.1", "port": str(endpoints.api_port), "secret_key": secrets["secret_key"],
                "base_url": f"http://127.0.0.1:{endpoints.api_port}"},
        "api_auth": {"jwt_secret": secrets["jwt_secret"]},
        "logging": {"base_log_folder": str(home / "logs" / "tasks"),
                    "triggerer_log_server_port": str(endpoints.triggerer_log_port)},
        "scheduler": {"enable_health_check": "True"},
    }


def as_environment(config: dict[str, dict[str, str]]) -> dict[str, str]:
    """The same settings as Airflow's `AIRFLOW__SECTION__KEY` variables (the form docker-compose.yaml uses)."""
    return {f"AIRFLOW__{section.upper()}__{key.upper()}": value
            for section, entries in config.items() for key, value in entries.items()}
