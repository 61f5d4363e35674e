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

import json
import time

import httpx
import pytest

from deploy.drive import api, eventually, finished, trigger
from tests.conftest import Sandbox
from tests.e2e.test_object_storage import bucket_keys
from tests.e2e.test_sharded_sync import akeneo_snapshot
from tests.e2e.test_sync_dag import akeneo_token
from tests.topology.conftest import (
    BUCKET,
    SYNTHETIC,
    Stack,
    kill_tree,
    reference_snapshot,
    resumed_lines,
    shard_identifiers,
    stored_media,
    worker_of,
    written,
)

pytestmark = [pytest.mark.topology, pytest.mark.postgres, pytest.mark.timeout(2400)]


def test_three_clients_at_once_survive_a_killed_worker_and_end_as_clean_runs(stack: Stack) -> None:
    from icecat_akeneo.state import StateStore
    from icecat_akeneo.state.lock import RunLease

    env, home, clients = stack.env, stack.home, stack.clients
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
        total, distinct = stored_media(c.akeneo_db)
        assert total == distinct, f"{name}: {total - distinct} media files stored twice"
        expected, expected_media = reference_snapshot(c, home, seeds[name])
        assert akeneo_snapshot(c.akeneo_url, akeneo_token(Sandbox(c.akeneo_url))) == expected, name
        assert total == expected_media, name
