"""The production topology stack the topology tests share (`make test-topology`, marker `topology`).

`make prod-up` on its own databases, ports, folder and **its own Redis** (a private `redis-server` on a free
port, so a test can restart the broker without touching the machine's), with three clients: `demo` (the prod
stack's sandboxes), `big` (a synthetic catalogue cut into several shards, on its own sandboxes) and `s3c` (the
demo catalogue on its own Akeneo, its data root on a local S3 endpoint, sharing demo's Icecat Connection and
pool). One stack serves every test of the package, in file order.
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

import psutil
import pytest

from deploy.drive import client_mapping, connections
from sandbox.process import REPO_ROOT, free_port, running_server
from tests.conftest import AKENEO_CREDENTIALS, Sandbox
from tests.e2e.test_incremental import sandbox_media_policy
from tests.e2e.test_sharded_sync import akeneo_snapshot
from tests.e2e.test_sync_dag import akeneo_token

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






class Broker:
    """The stack's own Redis, on a free port, keeping nothing on disk (as the machine's): `restart` SIGKILLs it
    and starts a new one on the same port, so every queued message is lost, as when a broker host dies."""

    def __init__(self, folder: Path) -> None:
        self.port, self.folder = free_port(), folder
        self.process: subprocess.Popen | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.folder)], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while subprocess.run(["redis-cli", "-p", str(self.port), "ping"], capture_output=True,
                             text=True).stdout.strip() != "PONG":
            assert time.monotonic() < deadline, "redis-server did not answer within 30 s"
            time.sleep(0.1)

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=30)
            self.process = None

    def restart(self, down_seconds: float) -> None:
        self.stop()
        time.sleep(down_seconds)
        self.start()


@dataclass
class Stack:
    env: dict[str, str]
    home: Path
    clients: dict[str, Client]
    broker: Broker


@pytest.fixture(scope="package")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
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
        broker = Broker(home)
        servers.callback(broker.stop)
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
               "ICECAT_PROD_REDIS": broker.url, "ICECAT_AKENEO_MAPPINGS": str(mappings),
               **connections("big", big_akeneo, big_icecat), **connections("s3c", s3c_akeneo, demo_icecat),
               "AIRFLOW_CONN_S3_DATA": json.dumps(s3_connection),
               "ICECAT_AKENEO_DATA_ROOT_S3C": f"s3://s3_data@{BUCKET}/root",
               "ICECAT_AKENEO_WORK_DIR": str(home / "work"),  # s3c's local copies: none left by an earlier test
               # a SIGKILLed worker's task is declared lost after 30 s without heartbeat
               "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "30",
               # a task whose Celery message a broker restart lost is queued again after 2 minutes
               "AIRFLOW__SCHEDULER__TASK_QUEUED_TIMEOUT": "120"}
        try:
            started = time.monotonic()
            print(make("prod-up", env))
            print(f"make prod-up took {time.monotonic() - started:.0f}s")
            yield Stack({**env, "S3_URL": s3}, home, clients, broker)
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


def stored_media(akeneo_db: Path) -> tuple[int, int]:
    """(files, distinct contents) of the Akeneo sandbox's media store: equal when nothing was stored twice."""
    with contextlib.closing(sqlite3.connect(akeneo_db, timeout=30)) as db:
        return db.execute("SELECT count(*), count(DISTINCT data) FROM media").fetchone()


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
