"""The broker dies mid-run (after `test_killed_worker`, on the same stack): Redis is SIGKILLed while a shard
task of big's run (rebuilding every product) is running and started again empty, so every Celery message it
held is lost. The workers reconnect, the scheduler queues again what was lost, the run succeeds, and big's
Akeneo is exactly as before (every product rebuilt, nothing to send, no media stored twice)."""
from __future__ import annotations

import time

import pytest

from deploy.drive import api, eventually, finished, trigger
from tests.conftest import Sandbox
from tests.e2e.test_sharded_sync import akeneo_snapshot
from tests.e2e.test_sync_dag import akeneo_token
from tests.topology.conftest import Stack, stored_media

pytestmark = [pytest.mark.topology, pytest.mark.postgres, pytest.mark.timeout(1800)]


def test_a_run_survives_a_broker_restart_and_changes_nothing_it_already_wrote(stack: Stack) -> None:
    client, big = api(stack.env["ICECAT_PROD_PORT"], stack.home), stack.clients["big"]
    before, media_before = akeneo_snapshot(big.akeneo_url, akeneo_token(Sandbox(big.akeneo_url))), \
        stored_media(big.akeneo_db)
    run = trigger(client, "icecat_sync__big", {"full_refresh": True, "rebuild_all": True, **big.conf})

    def running_shard() -> dict | None:
        tasks = client.get(f"/dags/icecat_sync__big/dagRuns/{run}/taskInstances").json()["task_instances"]
        return next((ti for ti in tasks if ti.get("state") == "running" and (ti.get("map_index") or -1) >= 0), None)

    shard = eventually("a shard task of big running", running_shard, timeout=900, every=0.2)
    restarted_at = time.monotonic()
    stack.broker.restart(down_seconds=10)
    end = eventually("big's run finished", lambda: finished(client, "icecat_sync__big", run), timeout=1500, every=2)
    tries = client.get(f"/dags/icecat_sync__big/dagRuns/{run}/taskInstances").json()["task_instances"]
    print(f"broker restarted (10 s down) during {shard['task_id']} shard {shard['map_index']}; run {end['state']} "
          f"{time.monotonic() - restarted_at:.0f}s later; task tries "
          f"{sorted((ti['task_id'], ti.get('map_index'), ti['try_number']) for ti in tries)}")
    assert end["state"] == "success"
    assert akeneo_snapshot(big.akeneo_url, akeneo_token(Sandbox(big.akeneo_url))) == before
    assert stored_media(big.akeneo_db) == media_before
