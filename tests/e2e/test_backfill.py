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

from icecat_akeneo import pipeline
from icecat_akeneo.akeneo.client import AkeneoSettings
from icecat_akeneo.icecat.client import IcecatSettings
from icecat_akeneo.mapping import load_mapping
from icecat_akeneo.run_folder import RunFolder
from sandbox.process import REPO_ROOT, free_port
from tests.conftest import AKENEO_CREDENTIALS, ICECAT_OPEN_USER, Sandbox

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


def extracted_identifiers(run: RunFolder) -> list[str]:
    return sorted(pq.read_table(run.path / "extract" / "products.parquet", columns=["identifier"])
                  .column("identifier").to_pylist())


def demo_sync_run(mapping_path: Path, akeneo: Sandbox, data_root: Path, run_id: str,
                  full_refresh: bool) -> pipeline.SyncRun:
    mapping = load_mapping(mapping_path)
    return pipeline.SyncRun(
        mapping=mapping,
        run=RunFolder.for_run(mapping.client, run_id, root=data_root),
        params=pipeline.run_params(mapping, {"full_refresh": full_refresh}),
        interval=(dt.datetime(2026, 1, 2, tzinfo=dt.timezone.utc), dt.datetime(2026, 1, 3, tzinfo=dt.timezone.utc)),
        resolve_akeneo=lambda: AkeneoSettings(akeneo.base_url, AKENEO_CREDENTIALS["client_id"],
                                              AKENEO_CREDENTIALS["secret"], AKENEO_CREDENTIALS["username"],
                                              AKENEO_CREDENTIALS["password"]),
        resolve_icecat=lambda: IcecatSettings("http://127.0.0.1:9", ICECAT_OPEN_USER),
    )


def test_an_incremental_run_extracts_only_the_products_updated_in_its_interval(
        akeneo: Sandbox, tmp_path: Path) -> None:
    mapping_path = incremental_demo_mapping(tmp_path / "mappings")
    incremental = demo_sync_run(mapping_path, akeneo, tmp_path / "data", "incremental", full_refresh=False)
    pipeline.extract(incremental)
    assert extracted_identifiers(incremental.run) == ["DEMO-SAMSUNG-S25"]

    everything = demo_sync_run(mapping_path, akeneo, tmp_path / "data", "full", full_refresh=True)
    pipeline.extract(everything)
    assert len(extracted_identifiers(everything.run)) > 10


# --- the slow test: a real scheduler -----------------------------------------------------------------------

def airflow_env(home: Path, mappings: Path, data_root: Path, api_port: int, akeneo: Sandbox,
                icecat: Sandbox) -> dict[str, str]:
    return {
        **os.environ,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO_ROOT / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(REPO_ROOT / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://localhost:{api_port}/execution/",
        "AIRFLOW__API__PORT": str(api_port),
        "AIRFLOW__API_AUTH__JWT_SECRET": "backfill-test-secret",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "1",
        "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",   # only the backfill's runs, no "latest day" run
        # Airflow 3 gives cron schedules a zero-length data interval (CronTriggerTimetable) unless this is
        # set; an incremental run needs the day it covers.
        "AIRFLOW__SCHEDULER__CREATE_CRON_DATA_INTERVALS": "True",
        "ICECAT_AKENEO_DATA_ROOT": str(data_root),
        "ICECAT_AKENEO_MAPPINGS": str(mappings),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "AIRFLOW_CONN_AKENEO_DEMO": json.dumps({
            "conn_type": "akeneo", "host": akeneo.base_url, "login": AKENEO_CREDENTIALS["username"],
            "password": AKENEO_CREDENTIALS["password"],
            "extra": {"client_id": AKENEO_CREDENTIALS["client_id"], "secret": AKENEO_CREDENTIALS["secret"]}}),
        "AIRFLOW_CONN_ICECAT_DEMO": json.dumps({"conn_type": "icecat", "host": icecat.base_url,
                                                "login": ICECAT_OPEN_USER}),
    }


def airflow_cli(env: dict[str, str], log: Path, *args: str) -> None:
    with log.open("ab") as out:
        completed = subprocess.run([sys.executable, "-m", "airflow", *args], env=env, cwd=REPO_ROOT,
                                   stdout=out, stderr=subprocess.STDOUT, timeout=300)
    assert completed.returncode == 0, f"`airflow {' '.join(args)}` exited {completed.returncode}; see {log}"


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
    home, data_root, logs = tmp_path / "airflow", tmp_path / "data", tmp_path / "logs"
    logs.mkdir()
    api_port = free_port()
    env = airflow_env(home, incremental_demo_mapping(tmp_path / "mappings").parent, data_root, api_port,
                      akeneo_server, icecat_server)
    airflow_cli(env, logs / "cli.log", "db", "migrate")
    airflow_cli(env, logs / "cli.log", "dags", "reserialize")
    with ExitStack() as stack:
        components = [
            stack.enter_context(airflow_component(env, logs / "api-server.log", "api-server", "--port",
                                                  str(api_port))),
            stack.enter_context(airflow_component(env, logs / "scheduler.log", "scheduler")),
        ]
        airflow_cli(env, logs / "cli.log", "backfill", "create", "--dag-id", DAG_ID,
                    "--from-date", BACKFILL_DAYS[0], "--to-date", BACKFILL_DAYS[1],
                    "--max-active-runs", "1",   # the DAG's max_active_runs: one client run at a time
                    "--dag-run-conf", json.dumps({"full_refresh": False}))
        runs = wait_for_runs(home / "airflow.db", 3, components, logs)

    assert [run["state"] for run in runs] == ["success"] * 3, f"{runs}; see {logs}"
    assert {run["run_type"] for run in runs} == {"backfill"}
    intervals = [(run["data_interval_start"], run["data_interval_end"]) for run in runs]
    assert len(set(intervals)) == 3 and all(start < end for start, end in intervals), intervals
    for run, expected in zip(runs, UPDATED_ON_JAN_1_2_3, strict=True):
        folder = RunFolder.for_run("demo", run["run_id"], root=data_root)
        report = json.loads((folder.path / "report.json").read_text(encoding="utf-8"))
        assert report["extract"]["products"] == 1, (run["run_id"], report["extract"])
        assert extracted_identifiers(folder) == [expected], run["run_id"]
