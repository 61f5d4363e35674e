"""Shared fixtures: the two sandboxes as real servers on free loopback ports.

Servers are started once per test session (start-up costs seconds) and put back to their seeded state
before each test through `POST /_sandbox/reset`, so tests stay independent and fast.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from sandbox.connections import AKENEO_CREDENTIALS, ICECAT_OPEN_USER  # noqa: F401 - re-exported to tests
from sandbox.process import REPO_ROOT, running_server

# Airflow reads its configuration when first imported: point it at a throw-away home with its own SQLite
# metadata DB before any test module imports it. No test writes to a metadata DB it did not create.
_AIRFLOW_HOME = Path(tempfile.mkdtemp(prefix="icecat-akeneo-airflow-"))
os.environ.update({
    "AIRFLOW_HOME": str(_AIRFLOW_HOME),
    "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
    "AIRFLOW__CORE__DAGS_FOLDER": str(REPO_ROOT / "dags"),
    "AIRFLOW__CORE__PLUGINS_FOLDER": str(REPO_ROOT / "plugins"),
    "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{_AIRFLOW_HOME / 'airflow.db'}",
})

ICECAT_FULL = {"username": "sandbox-full", "app_key": "sandbox-app-key", "api_token": "sandbox-api-token"}


@dataclass(frozen=True)
class Sandbox:
    base_url: str

    def reset(self) -> None:
        httpx.post(f"{self.base_url}/_sandbox/reset", timeout=60).raise_for_status()

    def counters(self) -> dict:
        return httpx.get(f"{self.base_url}/_sandbox/counters", timeout=10).json()

    def faults(self, **knobs: object) -> None:
        httpx.post(f"{self.base_url}/_sandbox/faults", json=knobs, timeout=10).raise_for_status()


def _log(tmp_path_factory: pytest.TempPathFactory, name: str) -> Path:
    return tmp_path_factory.mktemp("logs") / f"{name}.log"


@pytest.fixture(scope="session")
def akeneo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    db = tmp_path_factory.mktemp("akeneo") / "akeneo.db"
    with running_server("sandbox.akeneo", ["--seed", "demo", "--db", str(db)],
                        log_path=_log(tmp_path_factory, "akeneo")) as url:
        yield Sandbox(url)


@pytest.fixture
def akeneo(akeneo_server: Sandbox) -> Sandbox:
    """The Akeneo sandbox with the demo catalogue, fresh for this test."""
    akeneo_server.reset()
    return akeneo_server


@pytest.fixture(scope="session")
def icecat_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    with running_server("sandbox.icecat", [], log_path=_log(tmp_path_factory, "icecat")) as url:
        yield Sandbox(url)


@pytest.fixture
def icecat(icecat_server: Sandbox) -> Sandbox:
    """The Icecat sandbox with the repo's samples, fresh for this test."""
    icecat_server.reset()
    return icecat_server


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session (tests marked `postgres`), dropped afterwards, so a
    schema left by another checkout or an earlier session never leaks in; skipped where no server answers."""
    server = os.environ.get("ICECAT_AKENEO_TEST_PG", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres")
    import sqlalchemy

    name = f"icecat_akeneo_test_{os.getpid()}"
    admin = sqlalchemy.create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(sqlalchemy.text(f'DROP DATABASE IF EXISTS "{name}"'))
            connection.execute(sqlalchemy.text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - any failure means "no server here"
        pytest.skip(f"PostgreSQL not reachable at {server}: {exc}")
    yield str(sqlalchemy.engine.make_url(server).set(database=name).render_as_string(hide_password=False))
    with admin.connect() as connection:
        connection.execute(sqlalchemy.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def airflow_db() -> Path:
    """A migrated Airflow metadata DB (SQLite) in the test session's own Airflow home."""
    subprocess.run([sys.executable, "-m", "airflow", "db", "migrate"], check=True, capture_output=True,
                   env=os.environ.copy())
    return _AIRFLOW_HOME
