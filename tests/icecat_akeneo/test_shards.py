"""Shards: how extract cuts a selection, and how a step's shards become one run-level report and artifact."""
from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from icecat_akeneo.artifacts import LOOKUPS, PRODUCTS, QUARANTINE, SHARDS, TAXONOMY, Step, step_report
from icecat_akeneo.pools import pool_limit, share
from icecat_akeneo.steps.shards import (
    WHOLE_RUN,
    every_shard_loaded,
    merge_reports,
    merge_step,
    run_failure_ratio,
    shards_of,
    split_selection,
)

from sandbox.process import REPO_ROOT


def extracted(run: Path, count: int) -> Path:
    PRODUCTS.write(run, [{"identifier": f"P{n:03d}", "values_json": "{}"} for n in range(count)])
    TAXONOMY.path(run).write_text('{"attributes": []}')
    return run


def identifiers(folder: Path) -> list[str]:
    return [row["identifier"] for row in PRODUCTS.rows(folder)]


def test_a_selection_that_fits_one_shard_is_the_run_folder_itself(tmp_path: Path) -> None:
    run = extracted(tmp_path / "run", 12)
    assert split_selection(run, 12) == [WHOLE_RUN]
    assert shards_of(run) == [WHOLE_RUN] and not (run / "shards").exists()


def test_a_big_selection_is_cut_in_order_into_bounded_shards_each_a_run_folder(tmp_path: Path) -> None:
    run = extracted(tmp_path / "run", 12)
    shards = split_selection(run, 5)
    assert shards == ["shards/0001", "shards/0002", "shards/0003"]
    assert [len(identifiers(run / s)) for s in shards] == [5, 5, 2]
    assert sum((identifiers(run / s) for s in shards), []) == identifiers(run)
    assert all(TAXONOMY.path(run / s).exists() for s in shards)
    assert json.loads(SHARDS.path(run).read_text())["products"] == 12


def test_cutting_again_gives_the_same_shards_and_drops_those_of_a_bigger_cut(tmp_path: Path) -> None:
    run = extracted(tmp_path / "run", 12)
    split_selection(run, 3)
    first = {s: identifiers(run / s) for s in shards_of(run)}
    assert len(first) == 4
    extracted(run, 12)
    split_selection(run, 5)
    assert sorted(p.name for p in (run / "shards").iterdir()) == ["0001", "0002", "0003"]
    split_selection(run, 3)
    assert {s: identifiers(run / s) for s in shards_of(run)} == first


def test_a_shard_size_below_one_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="shard_size"):
        split_selection(extracted(tmp_path / "run", 3), 0)


def test_merged_reports_add_counts_keep_rates_and_fail_when_one_shard_failed() -> None:
    merged = merge_reports([
        {"products": 5, "lines_by_status": {"204": 4}, "failure_ratio": 0.1, "rules": ["a"], "status": "done"},
        {"products": 2, "lines_by_status": {"204": 1, "422": 1}, "failure_ratio": 0.1, "rules": ["a"],
         "status": "failed", "failed": "boom"},
    ])
    assert merged["products"] == 7 and merged["lines_by_status"] == {"204": 5, "422": 1}
    assert merged["failure_ratio"] == 0.1 and merged["rules"] == ["a"]
    assert merged["status"] == "failed" and merged["failed"] == "boom"


def shard_validated(run: Path, shard: str, checked: int, quarantined: int, unchanged: int = 0) -> None:
    folder = run / shard
    QUARANTINE.write(folder, [{"identifier": f"{shard}-{n}", "rule": "r"} for n in range(quarantined)])
    step_report(folder, Step.VALIDATE).parent.mkdir(parents=True, exist_ok=True)
    step_report(folder, Step.VALIDATE).write_text(json.dumps({
        "checked": checked, "quarantined": quarantined, "quarantined_ratio": quarantined / checked,
        "unchanged_skipped": unchanged, "failure_ratio": 0.2,
        "artifacts": {"quarantine": str(QUARANTINE.path(folder)), "data_docs": None}}))


def test_validate_is_decided_on_the_whole_run_not_on_one_bad_shard(tmp_path: Path) -> None:
    run, shards = tmp_path / "run", ["shards/0001", "shards/0002", "shards/0003"]
    for shard, quarantined in zip(shards, (3, 0, 0), strict=True):
        shard_validated(run, shard, 10, quarantined)  # one shard 30 % bad, the run 10 %
    merged = merge_step(run, Step.VALIDATE, shards, decide=run_failure_ratio(0.2))
    assert merged["quarantined_ratio"] == 0.1 and merged.get("status") != "failed"
    assert len(QUARANTINE.rows(run)) == 3, "the run's quarantine lists every shard's products"
    assert merged["artifacts"]["quarantine"] == str(QUARANTINE.path(run))
    assert set(merged["shards"]) == set(shards)
    shard_validated(run, shards[1], 10, 4)
    failed = merge_step(run, Step.VALIDATE, shards, decide=run_failure_ratio(0.2))
    assert failed["status"] == "failed" and "7 of 30 products" in failed["failed"]


def test_a_rerun_rebuilding_only_bad_products_is_judged_with_the_skipped_unchanged_ones(tmp_path: Path) -> None:
    """A no-change rerun rebuilds the quarantined products and skips the rest: 5 of 10 rebuilt are bad, but
    with the 40 skipped as unchanged the run has 5 of 50 (10 %), under the 20 % limit."""
    run, shards = tmp_path / "run", ["shards/0001", "shards/0002"]
    shard_validated(run, shards[0], 5, 5, unchanged=20)
    shard_validated(run, shards[1], 5, 0, unchanged=20)
    merged = merge_step(run, Step.VALIDATE, shards, decide=run_failure_ratio(0.2))
    assert merged["quarantined_ratio"] == 0.1 and merged.get("status") != "failed"


def test_a_shard_not_run_leaves_the_step_not_done_and_the_lock_held(tmp_path: Path) -> None:
    run, shards = tmp_path / "run", ["shards/0001", "shards/0002"]
    shard_validated(run, shards[0], 10, 0)
    assert merge_step(run, Step.VALIDATE, shards)["status"] == "not run"
    assert not every_shard_loaded(run, shards, but=shards[0])
    assert every_shard_loaded(run, [WHOLE_RUN], but=WHOLE_RUN)


def test_the_run_s_artifact_holds_every_shard_s_rows_in_shard_order_whatever_their_row_groups(
        tmp_path: Path) -> None:
    run, shards = tmp_path / "run", ["shards/0001", "shards/0002"]
    with LOOKUPS.stream(run / shards[0], rows_per_group=2) as out:   # 3 row groups
        out.extend({"identifier": f"A{n}", "outcome": "found", "icecat_id": n, "languages": ["EN"]} for n in range(5))
    LOOKUPS.path(run / shards[1]).parent.mkdir(parents=True)         # a file lacking columns, int32 ids
    pq.write_table(pa.table({"identifier": ["B0"], "icecat_id": pa.array([7], pa.int32())}),
                   LOOKUPS.path(run / shards[1]))
    merge_step(run, Step.ENRICH, shards)
    rows = LOOKUPS.rows(run)
    assert [row["identifier"] for row in rows] == ["A0", "A1", "A2", "A3", "A4", "B0"]
    assert rows[1]["languages"] == ["EN"] and rows[5] == {**dict.fromkeys(LOOKUPS.schema.names), "identifier": "B0",
                                                          "icecat_id": 7}
    assert pq.read_schema(LOOKUPS.path(run)).names == LOOKUPS.schema.names


def test_one_shard_has_nothing_to_merge(tmp_path: Path) -> None:
    assert merge_step(tmp_path, Step.LOAD, [WHOLE_RUN]) is None


@pytest.mark.parametrize(("limit", "shards", "clients", "expected"),
                         [(4, 1, 1, 4), (4, 2, 1, 2), (4, 3, 1, 1), (4, 40, 1, 1), (4, 1, 2, 2), (8, 2, 2, 2)])
def test_a_task_s_share_keeps_the_calls_of_all_its_pool_s_tasks_within_the_limit(
    limit: int, shards: int, clients: int, expected: int,
) -> None:
    assert share(limit, shards, clients) == expected
    assert min(shards, limit) * clients * share(limit, shards, clients) <= max(limit, min(shards, limit) * clients)


@pytest.mark.parametrize(("limit", "shards", "slots", "expected"),
                         [(8, 9, 4, 2), (8, 9, 8, 1), (4, 2, 1, 4), (8, 2, None, 4)])
def test_shards_beyond_the_deployment_s_task_slots_take_no_share_of_the_limit(
    limit: int, shards: int, slots: int | None, expected: int,
) -> None:
    """9 shards on 4 worker slots: 4 run at a time, each at a quarter of the Connection's limit."""
    assert share(limit, shards, 1, slots) == expected
    assert min(shards, limit, slots or shards) * share(limit, shards, 1, slots) <= limit


def test_akeneo_pools_never_exceed_four_calls_and_icecat_follows_its_connection() -> None:
    assert pool_limit("akeneo", None) == 4 and pool_limit("akeneo", 10) == 4 and pool_limit("akeneo", 2) == 2
    assert pool_limit("icecat", None) == 8 and pool_limit("icecat", 3) == 3


def test_the_run_s_completeness_weighs_each_shard_by_its_products(tmp_path: Path) -> None:
    from icecat_akeneo.artifacts import COMPLETENESS

    run, shards = tmp_path / "run", ["shards/0001", "shards/0002"]
    for shard, (products, complete, average) in zip(shards, ((3, 3, 100.0), (1, 0, 60.0)), strict=True):
        COMPLETENESS.path(run / shard).parent.mkdir(parents=True)
        cell = {"ecommerce": {"en_US": {"products": products, "complete": complete, "average": average}}}
        COMPLETENESS.path(run / shard).write_text(json.dumps({"before": None if shard == shards[1] else cell,
                                                              "after": cell}))
        step_report(run / shard, Step.LOAD).write_text("{}")
    merge_step(run, Step.LOAD, shards)
    merged = json.loads(COMPLETENESS.path(run).read_text())
    assert merged["before"] is None, "one shard could not read it: unknown for the run"
    assert merged["after"] == {"ecommerce": {"en_US": {"products": 4, "complete": 3, "average": 90.0}}}


def test_a_shard_task_shares_the_limit_among_the_tasks_airflow_runs_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Airflow's `core.parallelism` (the workers' slots in `deploy.prod`) reaches the run's share."""
    from icecat_akeneo import tasks

    monkeypatch.setenv("AIRFLOW__CORE__PARALLELISM", "4")
    sync = tasks.sync_run(str(REPO_ROOT / "include" / "mappings" / "demo.yaml"), {"run_id": "manual__1"})
    sharded = replace(sync, shard_count=9, params={**sync.params, "icecat_concurrency": 8})
    assert sync.task_slots == 4 and sharded.concurrency("icecat", 8) == 2
