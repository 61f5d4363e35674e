"""Run folders on local disk and on object storage (through Airflow's ObjectStoragePath, `file://` here)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from icecat_akeneo.run_folder import DATA_ROOT_ENV, WORK_DIR_ENV, RunFolder, safe_run_id


def test_run_ids_become_portable_folder_names() -> None:
    assert safe_run_id("scheduled__2026-11-26T00:00:00+00:00") == "scheduled__2026-11-26T00_00_00_00_00"


def test_a_local_root_keeps_every_step_under_client_and_run(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(DATA_ROOT_ENV, str(tmp_path / "data"))
    run = RunFolder.for_run("acme", "manual__1")
    run.save_report("extract", {"products": 3})
    assert json.loads((tmp_path / "data" / "acme" / "manual__1" / "extract" / "report.json").read_text()) == {
        "products": 3}
    assert run.remote is None


def test_an_object_storage_root_publishes_each_step_and_another_worker_pulls_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    store = tmp_path / "bucket"
    monkeypatch.setenv(DATA_ROOT_ENV, f"file://{store}")
    monkeypatch.setenv(WORK_DIR_ENV, str(tmp_path / "worker-a"))
    first = RunFolder.for_run("acme", "manual__1")
    (first.path / "extract").mkdir()
    (first.path / "extract" / "products.parquet").write_bytes(b"PAR1")
    first.save_report("extract", {"products": 3})
    assert (store / "acme" / "manual__1" / "extract" / "products.parquet").read_bytes() == b"PAR1"

    monkeypatch.setenv(WORK_DIR_ENV, str(tmp_path / "worker-b"))
    second = RunFolder.for_run("acme", "manual__1")
    assert second.path != first.path
    assert (second.path / "extract" / "products.parquet").read_bytes() == b"PAR1"
    assert json.loads((second.path / "extract" / "report.json").read_text()) == {"products": 3}
