"""The production topology end to end (`make test-topology`, marker `topology`, not in the default run).

`make prod-up` on its own databases, ports, Redis db and folder; the demo client's sync runs on the two Celery
workers; the worker running its load task is SIGKILLed mid-load; the scheduler declares the task lost and
retries it, on the surviving worker; the run succeeds with no product failed and no media file stored twice;
`make prod-down` leaves none of the started processes alive.
"""
from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest

from sandbox.process import REPO_ROOT, free_port

pytestmark = [pytest.mark.topology, pytest.mark.postgres, pytest.mark.timeout(1500)]
DAG_ID = "icecat_sync__demo"


def make(target: str, env: dict[str, str]) -> str:
    done = subprocess.run(["make", target], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, f"make {target} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


def eventually(what: str, probe: Callable[[], Any], timeout: float = 600.0, every: float = 0.5) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(every)
    raise AssertionError(f"{what}: not within {timeout:.0f}s")


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict[str, str], Path]]:
    home = tmp_path_factory.mktemp("prod")
    tag = f"t{os.getpid()}"
    base_port = free_port() // 100 * 100 % 50000 + 10000  # api-server; sandboxes, log servers just above
    env = {**os.environ, "ICECAT_PROD_DIR": str(home), "ICECAT_PROD_PORT": str(base_port),
           "ICECAT_PROD_AIRFLOW_DB": f"icecat_airflow_{tag}", "ICECAT_PROD_STATE_DB": f"icecat_state_{tag}",
           "ICECAT_PROD_REDIS": "redis://127.0.0.1:6379/7",
           # a SIGKILLed worker's task is declared lost after 30 s without heartbeat, retried after 5 s
           "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "30"}
    try:
        print(make("prod-up", env))
        yield env, home
    finally:
        print(make("prod-down", env))
        leftover = [p.stem for p in (home / "pids").glob("*.pid")]
        assert not leftover, f"still running after prod-down: {leftover}"
        drop = [f"DROP DATABASE IF EXISTS {env[k]}" for k in ("ICECAT_PROD_AIRFLOW_DB", "ICECAT_PROD_STATE_DB")]
        for statement in drop:
            subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-c", statement], check=False)


def api(env: dict[str, str], home: Path) -> httpx.Client:
    base = f"http://127.0.0.1:{env['ICECAT_PROD_PORT']}"
    password = json.loads((home / "passwords.json").read_text())["admin"]
    token = httpx.post(f"{base}/auth/token", json={"username": "admin", "password": password}).json()["access_token"]
    return httpx.Client(base_url=f"{base}/api/v2", headers={"Authorization": f"Bearer {token}"}, timeout=30)


def worker_of(pid: int, home: Path) -> str | None:
    """The started worker that `pid` (the load task's process) descends from."""
    workers = {int(path.read_text()): path.stem for path in (home / "pids").glob("airflow-worker-*.pid")}
    try:
        lineage = [psutil.Process(pid), *psutil.Process(pid).parents()]
    except psutil.NoSuchProcess:
        return None
    return next((workers[p.pid] for p in lineage if p.pid in workers), None)


def test_a_killed_worker_s_load_task_is_retried_on_the_other_worker(stack: tuple[dict[str, str], Path]) -> None:
    env, home = stack
    client = api(env, home)
    client.patch(f"/dags/{DAG_ID}", json={"is_paused": False}).raise_for_status()
    run_id = eventually("a scheduled run", lambda: [r["dag_run_id"] for r in
                                                    client.get(f"/dags/{DAG_ID}/dagRuns").json()["dag_runs"]])[0]

    def running_load() -> dict | None:
        load = client.get(f"/dags/{DAG_ID}/dagRuns/{run_id}/taskInstances/load").json()
        return load if load.get("state") == "running" and load.get("pid") else None

    load = eventually("load running", running_load, every=0.2)
    killed = worker_of(load["pid"], home)
    assert killed, f"load's pid {load['pid']} is in no started worker's process group"
    os.killpg(int((home / "pids" / f"{killed}.pid").read_text()), signal.SIGKILL)
    started = time.monotonic()

    run = eventually("the run finished", lambda: (lambda r: r if r["state"] in ("success", "failed") else None)(
        client.get(f"/dags/{DAG_ID}/dagRuns/{run_id}").json()), timeout=900, every=2)
    final = client.get(f"/dags/{DAG_ID}/dagRuns/{run_id}/taskInstances/load").json()
    print(f"killed {killed} during load try {load['try_number']}; run {run['state']} "
          f"{time.monotonic() - started:.0f}s later; load try {final['try_number']}")
    assert run["state"] == "success"
    assert final["try_number"] > load["try_number"]
    report = client.get(f"/dags/{DAG_ID}/dagRuns/{run_id}/taskInstances/report").json()
    assert report["state"] == "success"
    with sqlite3.connect(home / "akeneo.db") as akeneo:
        total, distinct = akeneo.execute("SELECT count(*), count(DISTINCT data) FROM media").fetchone()
    assert total == distinct, f"{total - distinct} media files stored twice"
