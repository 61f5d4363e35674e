"""Honest outcomes on the sandboxes with their fault knobs (issue 11): a run is failed when Akeneo did not
take the content, a retried load reports every attempt, a refused product is never `synced`, and two runs of
one client never sync at the same time or roll content back."""
from __future__ import annotations

import json
import threading
import time
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
import sqlalchemy
from icecat_akeneo import pipeline
from icecat_akeneo.artifacts import REFUSED, STEPS, Step, batch_path
from icecat_akeneo.retry import RetryPolicy
from icecat_akeneo.state import ProductStatus
from icecat_akeneo.state.lock import LOCK, STALE_AFTER

from tests.conftest import Sandbox
from tests.e2e.test_incremental import Runs, product_values, value

QUICK_RETRIES = RetryPolicy(max_attempts=2, base_delay=0.01, max_delay=0.05)


@pytest.fixture
def runs(akeneo: Sandbox, icecat: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Runs:
    runs = Runs(akeneo, icecat, tmp_path)
    monkeypatch.setenv(pipeline.STATE_URL_ENV, runs.state_url)
    return runs


def quick(sync: pipeline.SyncRun) -> pipeline.SyncRun:
    """Retries in milliseconds, so an outage costs the test no back-off time."""
    settings = sync.resolve_akeneo()
    sync.resolve_akeneo = lambda: replace(settings, retry=QUICK_RETRIES)
    return sync


def steps(sync: pipeline.SyncRun, *names: Step) -> None:
    for name in names:
        pipeline.run_step(sync, name)


def report_of(sync: pipeline.SyncRun) -> dict:
    return json.loads((sync.run.path / "report.json").read_text())


def test_rest_503_during_load_fails_the_run_then_a_retried_load_delivers_everything(runs: Runs,
                                                                                    akeneo: Sandbox) -> None:
    sync = quick(runs.sync())
    steps(sync, *STEPS[:4])
    akeneo.faults(error_rate=1.0)
    started = time.monotonic()
    with pytest.raises(pipeline.LoadIncomplete, match="lines were not delivered to Akeneo"):
        pipeline.run_step(sync, Step.LOAD)
    outage_s = time.monotonic() - started
    failed = pipeline.report(sync)
    assert failed["status"] == "failed" and failed["status_reason"].startswith("Failed: load failed:")
    assert runs.store().products(ProductStatus.SYNCED) == []
    assert len(runs.store().products(ProductStatus.FAILED)) >= 9
    not_delivered = REFUSED.rows(sync.run.path)
    assert not_delivered and {row["attempt"] for row in not_delivered} == {1}

    akeneo.faults()  # Akeneo is back: Airflow's retry of the load task
    pipeline.run_step(sync, Step.LOAD)
    recovered = pipeline.report(sync)
    assert recovered["status"] == "success", recovered["status_reason"]
    attempts = report_of(sync)["load"]["attempts"]
    assert attempts["count"] == 2
    assert [a["lines_ok"] for a in attempts["per_attempt"]] == [0, 9]
    assert attempts["totals"]["lines"] == attempts["per_attempt"][0]["lines"] + 9
    assert len(runs.store().products(ProductStatus.SYNCED)) == 9  # 0 lost
    print(f"\n503 outage: load attempt 1 failed in {outage_s:.1f} s, {attempts['per_attempt'][0]['lines']} "
          f"lines not delivered; attempt 2: {attempts['per_attempt'][1]['lines']} lines, 9 products synced")


def test_a_413_batch_fails_its_products_and_the_run(runs: Runs, akeneo: Sandbox) -> None:
    sync = runs.sync()
    steps(sync, *STEPS[:4])
    huge = {"identifier": "DEMO-DELL-G5",
            "values": {"description": [{"locale": "en_US", "scope": "ecommerce", "data": "x" * 1_000_001}]}}
    batch_path(sync.run.path, 99).write_text(json.dumps(huge) + "\n")
    pipeline.run_step(sync, Step.LOAD)  # a 413 is not retried: the same body would be refused again
    summary = pipeline.report(sync)
    assert summary["status"] == "failed"
    assert "1 with 413" in summary["status_reason"]
    dell = runs.store().product("DEMO-DELL-G5")
    assert dell is not None and dell.status == ProductStatus.FAILED and dell.reason.startswith("413: ")
    assert len(runs.store().products(ProductStatus.SYNCED)) == 8
    refused = [row for row in REFUSED.rows(sync.run.path) if row["status_code"] == 413]
    assert [row["identifier"] for row in refused] == ["DEMO-DELL-G5"]


def test_a_second_run_of_the_client_fails_fast_and_akeneo_gets_each_line_once(runs: Runs,
                                                                              akeneo: Sandbox) -> None:
    first, second = runs.sync(), runs.sync()
    steps(first, Step.EXTRACT)
    before = akeneo.counters()
    blocked = pipeline.run_sync(second, stop_on_failure=True)
    assert blocked["status"] == "failed"
    assert (f"client {runs.client} is already being synced by run {first.run.path.name} since "
            in blocked["status_reason"])
    assert akeneo.counters()["patch_lines"] == before["patch_lines"]  # the second run sent nothing
    steps(first, *STEPS[1:])
    assert pipeline.report(first)["status"] == "success"
    counters = akeneo.counters()
    assert counters["patch_lines"] == {"204": 9}, "each line once"
    assert counters["media_files"] - before["media_files"] == counters["media_uploaded"] - before["media_uploaded"]
    assert runs.sync().lease.try_acquire() is None, "the lock was given back at the end of the load"


def test_interleaved_runs_never_roll_newer_icecat_content_back(runs: Runs, akeneo: Sandbox,
                                                               icecat: Sandbox) -> None:
    """Run A fetched S7's content, then Icecat revised it and run B (A's lease having expired: a stuck
    worker) delivered the revision; A's late load must not put the older text back."""
    older = runs.sync()
    steps(older, *STEPS[:4])
    with older.state.engine.begin() as connection:  # A's worker hung: its lease is past the expiry
        connection.execute(sqlalchemy.update(LOCK).values(heartbeat_at=older.state.clock()
                                                          - 2 * STALE_AFTER))
    httpx.post(f"{icecat.base_url}/_sandbox/mutate", json={"icecat_ids": [31040076]}).raise_for_status()
    httpx.post(f"{icecat.base_url}/_sandbox/index/generate").raise_for_status()
    newer = runs.sync()
    assert pipeline.run_sync(newer)["status"] == "success"
    revised = value(product_values(akeneo, "DEMO-SAMSUNG-S7"), "name", "en_US")
    assert "(rev" in str(revised)

    pipeline.run_step(older, Step.LOAD)
    assert value(product_values(akeneo, "DEMO-SAMSUNG-S7"), "name", "en_US") == revised
    assert pipeline.report(older)["status"] == "success"


@pytest.mark.postgres
def test_two_clients_load_at_once_on_postgresql_without_deadlock(akeneo: Sandbox, icecat: Sandbox, tmp_path: Path,
                                                                 postgres_url: str,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(pipeline.STATE_URL_ENV, postgres_url)
    clients = [Runs(akeneo, icecat, tmp_path / name, state_url=postgres_url) for name in ("a", "b")]
    syncs = [runs.sync(batch_size=1) for runs in clients]
    for sync in syncs:
        steps(sync, *STEPS[:4])
    errors: list[BaseException] = []

    def load(sync: pipeline.SyncRun) -> None:
        try:
            pipeline.run_step(sync, Step.LOAD)
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=load, args=(sync,)) for sync in syncs]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        for runs, sync in zip(clients, syncs, strict=True):
            assert pipeline.report(sync)["status"] == "success"
            assert len(runs.store().products(ProductStatus.SYNCED)) == 9
    finally:
        with sqlalchemy.create_engine(postgres_url).begin() as connection:
            for table in ("state_value", "state_media", "state_product", "state_run_lock"):
                for runs in clients:
                    connection.execute(sqlalchemy.text(f"DELETE FROM {table} WHERE client = :c"),
                                       {"c": runs.client})


def test_a_load_run_again_says_in_its_log_what_it_resumed(runs: Runs, caplog: pytest.LogCaptureFixture) -> None:
    sync = runs.sync()
    steps(sync, *STEPS[:4])
    with caplog.at_level("WARNING", logger="icecat_akeneo.run_shards"):
        pipeline.run_step(sync, Step.LOAD)
        assert "load resumed" not in caplog.text  # a first try resumes nothing
        pipeline.run_step(sync, Step.LOAD)  # the load task cleared in the UI and run again
    resumed = [r.getMessage() for r in caplog.records if "load resumed" in r.getMessage()]
    assert len(resumed) == 1 and f"client {sync.mapping.client}, run " in resumed[0], caplog.text
    assert "the whole run: load resumed after an earlier try" in resumed[0]
