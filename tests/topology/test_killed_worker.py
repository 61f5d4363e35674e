"""The production topology end to end (`make test-topology`, marker `topology`, not in the default run).

`make prod-up` on its own databases, ports, Redis db and folder, with three clients: `demo` (the prod stack's
sandboxes), `big` (a synthetic catalogue cut into several shards, on its own sandboxes) and `s3c` (the demo
catalogue on its own Akeneo, its data root on a local S3 endpoint, sharing demo's Icecat Connection and pool).
The three runs are triggered at once; the worker running one of big's load shards is SIGKILLed mid-load (after
the sandbox wrote the first of that shard's products, before the last: PATCHes of 10 lines, big's Akeneo slowed
meanwhile); the scheduler declares that task lost and retries it on the surviving worker, whose log says what
it resumed. Every run succeeds; every client's
Akeneo ends identical to a clean one-process run on fresh sandboxes (value for value, media by content) with
no media file stored twice; another run is refused big's lock while its shards run; `make prod-down` leaves
none of the started processes alive.
"""
from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest

from deploy.drive import api, client_mapping, connections, eventually, finished, trigger
from sandbox.process import REPO_ROOT, free_port, running_server
from tests.conftest import AKENEO_CREDENTIALS, Sandbox
from tests.e2e.test_incremental import sandbox_media_policy
from tests.e2e.test_object_storage import bucket_keys
from tests.e2e.test_sharded_sync import akeneo_snapshot
from tests.e2e.test_sync_dag import akeneo_token

pytestmark = [pytest.mark.topology, pytest.mark.postgres, pytest.mark.timeout(2400)]
SYNTHETIC = int(os.environ.get("ICECAT_TOPOLOGY_PRODUCTS", "900"))  # 9 in 10 selected: several shards of 200
SHARD_SIZE = 200
BUCKET = "icecat-topology"


def make(target: str, env: dict[str, str]) -> str:
    done = subprocess.run(["make", target], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, f"make {target} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout




@dataclass
class Client:
    name: str
    mapping: Path
    akeneo_url: str
    icecat_url: str
    akeneo_db: Path
    conf: dict[str, Any]






@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict[str, str], Path, dict[str, Client]]]:
    import boto3

    home = tmp_path_factory.mktemp("prod")
    tag = f"t{os.getpid()}"
    base_port = free_port() // 100 * 100 % 50000 + 10000  # api-server; sandboxes, log servers just above
    demo_akeneo, demo_icecat = f"http://127.0.0.1:{base_port + 1}", f"http://127.0.0.1:{base_port + 2}"
    mappings = home / "mappings"
    mappings.mkdir()
    with contextlib.ExitStack() as servers:
        start = servers.enter_context
        big_akeneo = start(running_server("sandbox.akeneo", ["--seed", f"synthetic:{SYNTHETIC}", "--db",
                                                             str(home / "akeneo-big.db"), "--latency-ms", "15"]))
        big_icecat = start(running_server("sandbox.icecat", ["--synthetic", str(SYNTHETIC)]))
        s3c_akeneo = start(running_server("sandbox.akeneo", ["--seed", "demo", "--db", str(home / "akeneo-s3c.db")]))
        s3 = start(running_server("moto.server", ready_path="/moto-api/", log_path=home / "moto.log"))
        boto3.client("s3", endpoint_url=s3, aws_access_key_id="test-key", aws_secret_access_key="test-secret",
                     region_name="us-east-1").create_bucket(Bucket=BUCKET)
        demo_mapping = REPO_ROOT / "include" / "mappings" / "demo.yaml"
        clients = {
            "demo": Client("demo", client_mapping(mappings, demo_mapping, "demo", "akeneo_demo", "icecat_demo"),
                           demo_akeneo, demo_icecat, home / "akeneo.db", {}),
            "big": Client("big", client_mapping(mappings, REPO_ROOT / "bench" / "mappings" / "bench.yaml", "big",
                                                "akeneo_big", "icecat_big"),
                          big_akeneo, big_icecat, home / "akeneo-big.db", {"shard_size": SHARD_SIZE, "batch_size": 10}),
            "s3c": Client("s3c", client_mapping(mappings, demo_mapping, "s3c", "akeneo_s3c", "icecat_demo"),
                          s3c_akeneo, demo_icecat, home / "akeneo-s3c.db", {}),
        }
        s3_connection = {"conn_type": "aws", "login": "test-key", "password": "test-secret",
                         "extra": {"endpoint_url": s3, "region_name": "us-east-1"}}
        env = {**os.environ, "ICECAT_PROD_DIR": str(home), "ICECAT_PROD_PORT": str(base_port),
               "ICECAT_PROD_AIRFLOW_DB": f"icecat_airflow_{tag}", "ICECAT_PROD_STATE_DB": f"icecat_state_{tag}",
               "ICECAT_PROD_REDIS": "redis://127.0.0.1:6379/7", "ICECAT_AKENEO_MAPPINGS": str(mappings),
               **connections("big", big_akeneo, big_icecat), **connections("s3c", s3c_akeneo, demo_icecat),
               "AIRFLOW_CONN_S3_DATA": json.dumps(s3_connection),
               "ICECAT_AKENEO_DATA_ROOT_S3C": f"s3://s3_data@{BUCKET}/root",
               "ICECAT_AKENEO_WORK_DIR": str(home / "work"),  # s3c's local copies: none left by an earlier test
               # a SIGKILLed worker's task is declared lost after 30 s without heartbeat
               "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "30"}
        try:
            started = time.monotonic()
            print(make("prod-up", env))
            print(f"make prod-up took {time.monotonic() - started:.0f}s")
            yield {**env, "S3_URL": s3}, home, clients
        finally:
            print(make("prod-down", env))
            leftover = [p.stem for p in (home / "pids").glob("*.pid")]
            assert not leftover, f"still running after prod-down: {leftover}"
            for key in ("ICECAT_PROD_AIRFLOW_DB", "ICECAT_PROD_STATE_DB"):
                subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-c",
                                f"DROP DATABASE IF EXISTS {env[key]}"], check=False, capture_output=True)




def worker_of(pid: int, home: Path) -> str | None:
    """The started worker that `pid` (the load task's process) descends from."""
    workers = {int(path.read_text()): path.stem for path in (home / "pids").glob("airflow-worker-*.pid")}
    try:
        lineage = [psutil.Process(pid), *psutil.Process(pid).parents()]
    except psutil.NoSuchProcess:
        return None
    return next((workers[p.pid] for p in lineage if p.pid in workers), None)


def kill_tree(pid: int) -> None:
    """SIGKILL the worker and every process under it, as when its machine dies: a task process in a session of
    its own would survive a kill of the worker's process group and finish the load behind the retry's back."""
    family = [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]
    for process in family:
        with contextlib.suppress(psutil.NoSuchProcess):
            process.kill()
    psutil.wait_procs(family, timeout=30)
    with contextlib.suppress(ProcessLookupError):  # what is left of its process group, if anything
        os.killpg(pid, signal.SIGKILL)


def shard_identifiers(home: Path, client: str, run_id: str, map_index: int) -> list[str]:
    """The products of the run's shard number `map_index` (the load task of that index loads them)."""
    import pyarrow.parquet as pq
    from icecat_akeneo.artifacts import PRODUCTS, SHARDS
    from icecat_akeneo.run_folder import safe_run_id

    run_dir = home / "data" / client / safe_run_id(run_id)
    shard = json.loads(SHARDS.path(run_dir).read_text())["shards"][map_index]
    return pq.read_table(PRODUCTS.path(run_dir / shard), columns=["identifier"]).column("identifier").to_pylist()


def written(akeneo_db: Path, identifiers: list[str]) -> int:
    """How many of `identifiers` the Akeneo sandbox has written (its first write keeps the seeded row)."""
    marks = ",".join("?" * len(identifiers))
    try:
        with contextlib.closing(sqlite3.connect(akeneo_db, timeout=5)) as db:
            query = f"SELECT count(*) FROM originals WHERE identifier IN ({marks})"
            return db.execute(query, identifiers).fetchone()[0]
    except sqlite3.OperationalError:  # the sandbox is writing: ask again
        return 0


def resumed_lines(home: Path, shard: str) -> list[str]:
    """The task log lines saying what a load retry of `shard` resumed (pipeline.load)."""
    return [line for path in (home / "logs" / "tasks").rglob("*") if path.is_file() and "load" in str(path)
            for line in path.read_text(errors="replace").splitlines() if "load resumed" in line and shard in line]



def reference_snapshot(client: Client, home: Path, seed: list[str]) -> tuple[dict, int]:
    """Akeneo after a clean one-process sync of `client`'s mapping on a fresh Akeneo with the same seed."""
    from icecat_akeneo import pipeline
    from icecat_akeneo.akeneo.client import AkeneoSettings
    from icecat_akeneo.icecat.client import IcecatSettings
    from icecat_akeneo.mapping import load_mapping
    from icecat_akeneo.run_folder import RunFolder

    with running_server("sandbox.akeneo", [*seed, "--db", str(home / f"ref-{client.name}.db")]) as akeneo_url:
        mapping = load_mapping(client.mapping)
        akeneo = AkeneoSettings(base_url=akeneo_url, **{k: AKENEO_CREDENTIALS[k] for k in
                                                        ("client_id", "secret", "username", "password")})
        icecat = IcecatSettings(base_url=client.icecat_url, username="openIcecat-live",
                                media_policy=sandbox_media_policy(client.icecat_url))
        sync = pipeline.SyncRun(mapping=mapping, run=RunFolder.for_run(client.name, "reference", home / "ref"),
                                params=pipeline.run_params(mapping, {"full_refresh": True}), interval=None,
                                resolve_akeneo=lambda: akeneo, resolve_icecat=lambda: icecat)
        assert pipeline.run_sync(sync)["status"] == "success"
        snapshot = akeneo_snapshot(akeneo_url, akeneo_token(Sandbox(akeneo_url)))
    with sqlite3.connect(home / f"ref-{client.name}.db") as db:
        return snapshot, db.execute("SELECT count(*) FROM media").fetchone()[0]


def test_three_clients_at_once_survive_a_killed_worker_and_end_as_clean_runs(stack: tuple) -> None:
    from icecat_akeneo.state import StateStore
    from icecat_akeneo.state.lock import RunLease

    env, home, clients = stack
    client = api(env["ICECAT_PROD_PORT"], home)
    started = time.monotonic()
    runs = {name: trigger(client, f"icecat_sync__{name}", {"full_refresh": True, **c.conf})
            for name, c in clients.items()}
    big_run = runs["big"]

    def running_load() -> dict | None:
        mapped = client.get(f"/dags/icecat_sync__big/dagRuns/{big_run}/taskInstances/load/listMapped").json()
        return next((ti for ti in mapped.get("task_instances", []) if ti.get("state") == "running" and ti.get("pid")),
                    None)

    load = eventually("a load shard of big running", running_load, timeout=900, every=0.2)
    # slow big's Akeneo while that shard loads, so the kill lands between its first and its last write
    httpx.post(f"{clients['big'].akeneo_url}/_sandbox/faults", json={"latency_ms": 300}).raise_for_status()
    state_url = json.loads((home / "env.json").read_text())["ICECAT_AKENEO_STATE_URL"]
    refusal = RunLease(StateStore(state_url, "big"), "intruder").try_acquire()
    assert refusal and "client big is already being synced by run" in refusal, "the lock holds across shards"
    killed = worker_of(load["pid"], home)
    assert killed, f"load's pid {load['pid']} is in no started worker's process group"
    products = shard_identifiers(home, "big", big_run, load["map_index"])
    sent = eventually("the first write of that load shard", lambda: written(clients["big"].akeneo_db, products),
                      timeout=600, every=0.05)
    kill_tree(int((home / "pids" / f"{killed}.pid").read_text()))
    at_kill = written(clients["big"].akeneo_db, products)
    httpx.post(f"{clients['big'].akeneo_url}/_sandbox/faults", json={"latency_ms": 15}).raise_for_status()
    assert at_kill < len(products), f"the shard had all {len(products)} products written before the kill"
    killed_at = time.monotonic()

    ends = {name: eventually(f"{name}'s run finished", lambda n=name: finished(client, f"icecat_sync__{n}", runs[n]),
                             timeout=1200, every=2) for name in clients}
    retried = client.get(f"/dags/icecat_sync__big/dagRuns/{big_run}/taskInstances/load/{load['map_index']}").json()
    print(f"killed {killed} during big's load shard {load['map_index']} try {load['try_number']}; runs "
          f"{ {n: r['state'] for n, r in ends.items()} } {time.monotonic() - killed_at:.0f}s later, "
          f"{time.monotonic() - started:.0f}s after the triggers; that shard's load try {retried['try_number']} "
          f"on {retried.get('hostname')}")
    print(f"the kill came after {sent}, with {at_kill} of that shard's {len(products)} products written")
    assert {name: run["state"] for name, run in ends.items()} == dict.fromkeys(clients, "success")
    assert retried["try_number"] > load["try_number"]
    shard = f"shards/{load['map_index'] + 1:04d}"
    resumed = resumed_lines(home, shard)
    print("\n".join(resumed))
    assert resumed, f"no log line says what the retry of big's load {shard} resumed"
    assert RunLease(StateStore(state_url, "big"), "intruder").holder() is None, "big's lock was given back"

    s3c_keys = bucket_keys(env["S3_URL"], BUCKET)
    assert any(key.startswith("root/s3c/") and key.endswith("/report.json") for key in s3c_keys)
    seeds = {"demo": ["--seed", "demo"], "s3c": ["--seed", "demo"], "big": ["--seed", f"synthetic:{SYNTHETIC}"]}
    for name, c in clients.items():
        with sqlite3.connect(c.akeneo_db) as akeneo:
            total, distinct = akeneo.execute("SELECT count(*), count(DISTINCT data) FROM media").fetchone()
        assert total == distinct, f"{name}: {total - distinct} media files stored twice"
        expected, expected_media = reference_snapshot(c, home, seeds[name])
        assert akeneo_snapshot(c.akeneo_url, akeneo_token(Sandbox(c.akeneo_url))) == expected, name
        assert total == expected_media, name
