"""Backfill on a real scheduler: `airflow backfill create` over three days must give three runs of
`icecat_sync__demo`, each on its own data interval, each selecting only the products updated in it.

`dag.test()` (tests/e2e/test_sync_dag.py) never exercises what a backfill relies on: a serialized DAG, a
scheduler handing tasks to LocalExecutor workers that call the api-server's execution API, run conf reaching
the tasks and one run folder per run id. The slow test runs exactly that topology on SQLite; the fast test
checks the part a backfill depends on that is pure logic: a run with `full_refresh: false` asks Akeneo only
for the products updated in its data interval.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from icecat_akeneo import pipeline, tasks
from icecat_akeneo.artifacts import PRODUCTS
from icecat_akeneo.run_folder import safe_run_id

from demo.__main__ import airflow_env as demo_airflow_env
from sandbox.process import REPO_ROOT, free_port
from tests.conftest import Sandbox

DAG_ID = "icecat_sync__demo"
# The demo catalogue's products were last updated one per day from 2026-01-01 09:00 UTC, in this order.
UPDATED_ON_JAN_1_2_3 = ("DEMO-DELL-G5", "DEMO-SAMSUNG-S25", "DEMO-LENOVO-TAB")
BACKFILL_DAYS = ("2026-01-01", "2026-01-03")
BACKFILL_TIMEOUT_S = 480


def incremental_demo_mapping(folder: Path) -> Path:
    """The demo mapping with `updated_in_interval: true` and a start date before the demo products' updates,
    so a backfill over early January selects one product per day."""
    text = (REPO_ROOT / "include" / "mappings" / "demo.yaml").read_text(encoding="utf-8")
    for old, new in (("updated_in_interval: false", "updated_in_interval: true"),
                     ("start_date: 2026-11-01", "start_date: 2026-01-01")):
        assert old in text, f"include/mappings/demo.yaml no longer has `{old}`: update this test"
        text = text.replace(old, new)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "demo.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def extracted_identifiers(run_path: Path) -> list[str]:
    return sorted(pq.read_table(PRODUCTS.path(run_path), columns=["identifier"])
                  .column("identifier").to_pylist())


def run_folder(data_root: Path, run_id: str) -> Path:
    return data_root / "demo" / safe_run_id(run_id)


@pytest.mark.parametrize(("full_refresh", "expected"), [
    (False, ["DEMO-SAMSUNG-S25"]),   # the only product updated on 2026-01-02
    (True, ["DEMO-BADEAN", "DEMO-DELL-G5", "DEMO-HILLS", "DEMO-HP-6710B", "DEMO-HP-INK", "DEMO-IIYAMA",
            "DEMO-JABRA-HS", "DEMO-LENOVO-TAB", "DEMO-NOID", "DEMO-ONEPLUS", "DEMO-PHILIPS-HS",
            "DEMO-PHILIPS-MON", "DEMO-SAMSUNG-S25", "DEMO-SAMSUNG-S7"]),
])
def test_a_backfill_run_extracts_only_the_products_updated_in_its_data_interval(
        akeneo: Sandbox, icecat: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        full_refresh: bool, expected: list[str]) -> None:
    for key, value in demo_airflow_env(akeneo.base_url, icecat.base_url, tmp_path).items():
        if key.startswith(("AIRFLOW_CONN_", "ICECAT_AKENEO_DATA_ROOT")):
            monkeypatch.setenv(key, value)
    context = {"run_id": "backfill__2026-01-03T00:00:00+00:00", "params": {"full_refresh": full_refresh},
               "data_interval_start": dt.datetime(2026, 1, 2, tzinfo=dt.UTC),
               "data_interval_end": dt.datetime(2026, 1, 3, tzinfo=dt.UTC)}
    sync = tasks.sync_run(str(incremental_demo_mapping(tmp_path / "mappings")), context)
    pipeline.extract(sync)
    assert extracted_identifiers(sync.run.path) == expected


# --- the slow test: a real scheduler -----------------------------------------------------------------------

def scheduler_env(tmp_path: Path, mappings: Path, api_port: int, akeneo: Sandbox,
                  icecat: Sandbox) -> dict[str, str]:
    """The demo's Airflow environment (SQLite home, Connections to the sandboxes) plus what a scheduler, its
    LocalExecutor workers and an api-server on `api_port` need to find each other."""
    return {
        **demo_airflow_env(akeneo.base_url, icecat.base_url, tmp_path),
        "ICECAT_AKENEO_MAPPINGS": str(mappings),
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://localhost:{api_port}/execution/",
        "AIRFLOW__API__PORT": str(api_port),
        "AIRFLOW__API_AUTH__JWT_SECRET": "backfill-test-secret-shared-by-scheduler-and-api-server",
        "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "1",
        "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",   # only the backfill's runs, no "latest day" run
    }


def airflow_cli(env: dict[str, str], log: Path, *args: str) -> None:
    with log.open("ab") as out:
        completed = subprocess.run([sys.executable, "-m", "airflow", *args], env=env, cwd=REPO_ROOT,
                                   stdout=out, stderr=subprocess.STDOUT, timeout=300)
    assert completed.returncode == 0, f"`airflow {' '.join(args)}` exited {completed.returncode}; see {log}"


def create_pools(env: dict[str, str], log: Path) -> None:
    """The Connections' pools, as README tells a user of a new Airflow: the API steps wait for them."""
    with log.open("ab") as out:
        completed = subprocess.run([sys.executable, "-m", "deploy.prod", "pools"], env=env, cwd=REPO_ROOT,
                                   stdout=out, stderr=subprocess.STDOUT, timeout=300)
    assert completed.returncode == 0, f"`python -m deploy.prod pools` exited {completed.returncode}; see {log}"


@contextmanager
def airflow_component(env: dict[str, str], log: Path, *args: str) -> Iterator[subprocess.Popen]:
    """An `airflow <component>` in its own process group, stopped with all its workers when the block ends."""
    with log.open("ab") as out:
        process = subprocess.Popen([sys.executable, "-m", "airflow", *args], env=env, cwd=REPO_ROOT,
                                   stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            yield process
        finally:
            stop_process_group(process)


def stop_process_group(process: subprocess.Popen) -> None:
    """SIGTERM the component's group, SIGKILL it after a grace period; workers it left behind die too."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        pass
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait(timeout=10)


def backfill_runs(db: Path) -> list[dict]:
    with sqlite3.connect(db) as connection:
        connection.row_factory = sqlite3.Row
        rows = connection.execute(
            "SELECT run_id, state, run_type, data_interval_start, data_interval_end FROM dag_run "
            "WHERE dag_id = ? ORDER BY data_interval_start", (DAG_ID,)).fetchall()
    return [dict(row) for row in rows]


def wait_for_runs(db: Path, count: int, components: list[subprocess.Popen], logs: Path) -> list[dict]:
    deadline = time.monotonic() + BACKFILL_TIMEOUT_S
    while time.monotonic() < deadline:
        for component in components:
            assert component.poll() is None, f"{component.args[3:]} exited {component.returncode}; see {logs}"
        runs = backfill_runs(db)
        if len(runs) >= count and all(run["state"] in ("success", "failed") for run in runs):
            return runs
        time.sleep(2)
    raise AssertionError(f"the backfill did not finish within {BACKFILL_TIMEOUT_S} s: {backfill_runs(db)}; "
                         f"see {logs}")


@pytest.mark.slow
@pytest.mark.timeout(BACKFILL_TIMEOUT_S + 180)
def test_backfill_makes_one_incremental_run_per_day(akeneo_server: Sandbox, icecat_server: Sandbox,
                                                     tmp_path: Path) -> None:
    akeneo_server.reset()
    icecat_server.reset()
    home, data_root, logs = tmp_path / "airflow", tmp_path / "data", tmp_path / "logs"   # as demo_airflow_env
    logs.mkdir()
    api_port = free_port()
    env = scheduler_env(tmp_path, incremental_demo_mapping(tmp_path / "mappings").parent, api_port,
                        akeneo_server, icecat_server)
    airflow_cli(env, logs / "cli.log", "db", "migrate")
    airflow_cli(env, logs / "cli.log", "dags", "reserialize")
    create_pools(env, logs / "cli.log")
    # before the scheduler starts: on SQLite the CLI's writes and the scheduler's heartbeats lock each other out
    airflow_cli(env, logs / "cli.log", "backfill", "create", "--dag-id", DAG_ID,
                "--from-date", BACKFILL_DAYS[0], "--to-date", BACKFILL_DAYS[1],
                "--max-active-runs", "1",   # the DAG's max_active_runs: one client run at a time
                "--dag-run-conf", json.dumps({"full_refresh": False}))
    with ExitStack() as stack:
        components = [
            stack.enter_context(airflow_component(env, logs / "api-server.log", "api-server", "--port",
                                                  str(api_port))),
            stack.enter_context(airflow_component(env, logs / "scheduler.log", "scheduler")),
        ]
        runs = wait_for_runs(home / "airflow.db", 3, components, logs)

    assert [run["state"] for run in runs] == ["success"] * 3, f"{runs}; see {logs}"
    assert {run["run_type"] for run in runs} == {"backfill"}
    intervals = [(run["data_interval_start"], run["data_interval_end"]) for run in runs]
    assert len(set(intervals)) == 3 and all(start < end for start, end in intervals), intervals
    for run, expected in zip(runs, UPDATED_ON_JAN_1_2_3, strict=True):
        report_json = run_folder(data_root, run["run_id"]) / "report.json"
        assert report_json.is_file(), f"run {run['run_id']} left no {report_json}"
        report = json.loads(report_json.read_text(encoding="utf-8"))
        assert report["summary"]["status"] == "success", (run["run_id"], report["summary"])
        assert extracted_identifiers(report_json.parent) == [expected], run["run_id"]
