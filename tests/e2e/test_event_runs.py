"""Event-driven runs on a real Airflow (api-server, scheduler, triggerer, dag-processor; SQLite): a product
created in the Akeneo sandbox is enriched by `icecat_sync_new__demo` without any manual trigger, through the
poller and through Akeneo's webhook, and a triggerer restart loses no event and repeats none."""
from __future__ import annotations

import json
import sqlite3
import subprocess
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest
from icecat_akeneo.run_folder import safe_run_id

from demo.__main__ import akeneo_product
from sandbox.process import free_port
from tests.conftest import Sandbox
from tests.e2e.test_backfill import airflow_cli, airflow_component, scheduler_env, stop_process_group
from tests.events.support import create_product, events_mapping

DAG_ID = "icecat_sync_new__demo"
WAIT_S = 300


def event_mapping_folder(folder: Path) -> Path:
    """The demo mapping with `events: {poll_seconds: 5}` and no schedule (only event runs happen)."""
    path = events_mapping(folder, poll_seconds=5)
    path.write_text(path.read_text().replace('schedule: "@daily"', "schedule: null", 1))
    return folder


def wait_until(what: str, check: Callable[[], object], components: list[subprocess.Popen], logs: Path) -> object:
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        for component in components:
            assert component.poll() is None, f"{component.args[3:]} exited {component.returncode}; see {logs}"
        if found := check():
            return found
        time.sleep(1)
    raise AssertionError(f"{what}: not within {WAIT_S} s; see {logs}")


def query(db: Path, sql: str, *args: object) -> list[tuple]:
    if not db.is_file():
        return []
    with sqlite3.connect(db) as connection:
        try:
            return connection.execute(sql, args).fetchall()
        except sqlite3.OperationalError:   # tables not migrated yet
            return []


def enriched(akeneo: Sandbox, identifier: str) -> bool:
    return bool(akeneo_product(akeneo.base_url, identifier)["values"].get("name"))


@pytest.mark.slow
@pytest.mark.timeout(4 * WAIT_S)
def test_created_products_are_enriched_by_event_runs(akeneo_server: Sandbox, icecat_server: Sandbox,
                                                      tmp_path: Path) -> None:
    akeneo_server.reset()
    icecat_server.reset()
    home, data_root, logs = tmp_path / "airflow", tmp_path / "data", tmp_path / "logs"
    logs.mkdir()
    api_port = free_port()
    env = {**scheduler_env(tmp_path, event_mapping_folder(tmp_path / "mappings"), api_port, akeneo_server,
                           icecat_server), "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "True"}
    state_db = data_root / "demo" / "state.db"
    airflow_cli(env, logs / "cli.log", "db", "migrate")
    airflow_cli(env, logs / "cli.log", "dags", "reserialize")
    with ExitStack() as stack:
        def start(component: str, *args: str) -> subprocess.Popen:
            return stack.enter_context(airflow_component(env, logs / f"{component}.log", component, *args))

        components = [start("api-server", "--port", str(api_port)), start("scheduler"),
                      start("dag-processor"), start("triggerer")]
        wait_until("the watcher starts its cursor", lambda: query(state_db, "SELECT cursor FROM state_event_cursor"),
                   components, logs)

        # 1. polled: a product created in Akeneo is enriched, no manual trigger
        create_product(akeneo_server.base_url, "EV-E2E-POLL")
        wait_until("EV-E2E-POLL enriched", lambda: enriched(akeneo_server, "EV-E2E-POLL"), components, logs)

        # 2. a triggerer restart, with a product created while it is down
        stop_process_group(components.pop())
        create_product(akeneo_server.base_url, "EV-E2E-RESTART")
        components.append(start("triggerer"))
        wait_until("EV-E2E-RESTART enriched", lambda: enriched(akeneo_server, "EV-E2E-RESTART"), components, logs)

        # 3. Akeneo's webhook, signed with the Connection's secret, into the api-server's plugin route
        httpx.post(f"{akeneo_server.base_url}/_sandbox/events/subscription",
                   json={"url": f"http://127.0.0.1:{api_port}/icecat-akeneo-events/demo"}).raise_for_status()
        try:
            create_product(akeneo_server.base_url, "EV-E2E-HOOK")
            wait_until("EV-E2E-HOOK enriched", lambda: enriched(akeneo_server, "EV-E2E-HOOK"), components, logs)
        finally:
            httpx.delete(f"{akeneo_server.base_url}/_sandbox/events/subscription")
        # a product is enriched once its load is done; the run's report comes after
        wait_until("every event run ended", lambda: not query(
            home / "airflow.db", "SELECT 1 FROM dag_run WHERE dag_id = ? AND state IN ('queued', 'running')",
            DAG_ID), components, logs)

    queued = query(state_db, "SELECT identifier, source, served_run FROM state_event_queue ORDER BY id")
    polled = [identifier for identifier, source, _ in queued if source == "poll"]
    # each product queued once by the poller: not lost, not repeated by the restart, and the connector's
    # own PATCHes (which moved `updated`) not taken for new changes
    assert sorted(polled) == ["EV-E2E-HOOK", "EV-E2E-POLL", "EV-E2E-RESTART"], queued
    assert ("EV-E2E-HOOK", "webhook") in {(identifier, source) for identifier, source, _ in queued}, queued
    assert all(served for _, _, served in queued), queued
    runs = query(home / "airflow.db", "SELECT run_id, state, run_type FROM dag_run WHERE dag_id = ?", DAG_ID)
    assert runs and {run_type for _, _, run_type in runs} == {"asset_triggered"}, runs
    served: set[str] = set()
    for run_id, _state, _ in runs:
        report = data_root / "demo" / safe_run_id(run_id) / "report.json"
        if report.is_file():
            served |= set(json.loads(report.read_text())["extract"]["events"]["identifiers"])
    assert {"EV-E2E-POLL", "EV-E2E-RESTART", "EV-E2E-HOOK"} <= served, runs
