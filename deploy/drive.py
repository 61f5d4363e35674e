"""Driving a running `deploy.prod` stack from outside, as a user of its REST API would: one client's mapping
and Connections for the stack, the admin token, trigger a sync DAG, see when its run ends.

Shared by the topology test (`tests/topology/`) and the topology benchmark (`bench/topology.py`), which both
start the stack with extra clients on their own sandboxes.
"""
from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from sandbox.connections import demo_connections


def client_mapping(folder: Path, source: Path, client: str, akeneo: str, icecat: str) -> Path:
    """`source` (the demo or bench mapping) as client `client` on Connections `akeneo` / `icecat`, unscheduled
    (only the caller's triggers run)."""
    text = source.read_text().replace("client: demo", f"client: {client}").replace("client: bench", f"client: {client}")
    text = text.replace('schedule: "@daily"', "schedule: null")
    for old in ("akeneo_demo", "akeneo_bench"):
        text = text.replace(f"akeneo: {old}", f"akeneo: {akeneo}")
    for old in ("icecat_demo", "icecat_bench"):
        text = text.replace(f"icecat: {old}", f"icecat: {icecat}")
    path = folder / f"{client}.yaml"
    path.write_text(text)
    return path


def connections(name: str, akeneo_url: str, icecat_url: str) -> dict[str, str]:
    """The `AIRFLOW_CONN_*` variables of client `name`'s two Connections, on the given sandboxes."""
    demo = demo_connections(akeneo_url, icecat_url)
    return {f"AIRFLOW_CONN_AKENEO_{name.upper()}": demo["AIRFLOW_CONN_AKENEO_DEMO"],
            f"AIRFLOW_CONN_ICECAT_{name.upper()}": demo["AIRFLOW_CONN_ICECAT_DEMO"]}


def eventually(what: str, probe: Callable[[], Any], timeout: float = 600.0, every: float = 0.5) -> Any:
    """`probe()`'s first truthy answer; an api-server slow to answer on a loaded machine is asked again."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.TransportError):
            found = probe()
            if found:
                return found
        time.sleep(every)
    raise AssertionError(f"{what}: not within {timeout:.0f}s")


def api(port: int | str, home: Path) -> httpx.Client:
    """The stack's REST API (`/api/v2`) as the admin `deploy.prod up` created (password in `home`)."""
    base = f"http://127.0.0.1:{port}"
    password = json.loads((home / "passwords.json").read_text())["admin"]
    token = httpx.post(f"{base}/auth/token", json={"username": "admin", "password": password}).json()["access_token"]
    return httpx.Client(base_url=f"{base}/api/v2", headers={"Authorization": f"Bearer {token}"}, timeout=90)


def trigger(client: httpx.Client, dag_id: str, conf: dict[str, Any]) -> str:
    """Unpause `dag_id` once the dag-processor has parsed it and start a run with `conf`; its run id."""
    eventually(f"{dag_id} parsed", lambda: client.get(f"/dags/{dag_id}").status_code == 200, timeout=300)
    client.patch(f"/dags/{dag_id}", json={"is_paused": False}).raise_for_status()
    made = client.post(f"/dags/{dag_id}/dagRuns", json={"logical_date": None, "conf": conf})
    made.raise_for_status()
    return made.json()["dag_run_id"]


def finished(client: httpx.Client, dag_id: str, run_id: str) -> dict | None:
    """The run when it has ended (success or failed), else None."""
    run = client.get(f"/dags/{dag_id}/dagRuns/{run_id}").json()
    return run if run["state"] in ("success", "failed") else None
