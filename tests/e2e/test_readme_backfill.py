"""The README's backfill example demonstrates something: on the demo catalogue, each day of its date range
selects a product (the one the README names), with the demo mapping as shipped (its start_date is later than
the range: a backfill may start before it). The slow test in test_backfill.py runs the same range on a real
scheduler; this one keeps the README's dates and claims honest in the default suite."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from icecat_akeneo import pipeline, tasks

from demo.__main__ import airflow_env as demo_airflow_env
from sandbox.process import REPO_ROOT
from tests.conftest import Sandbox
from tests.e2e.test_backfill import extracted_identifiers

README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")


def readme_backfill_days() -> list[dt.datetime]:
    found = re.search(r"airflow backfill create --dag-id icecat_sync__demo --from-date (\S+) --to-date (\S+)", README)
    assert found, "README.md no longer shows the demo's `airflow backfill create` command: update this test"
    first, last = (dt.datetime.fromisoformat(day).replace(tzinfo=dt.UTC) for day in found.groups())
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]


def test_each_day_of_the_readme_backfill_selects_the_product_the_readme_names(
        akeneo: Sandbox, icecat: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in demo_airflow_env(akeneo.base_url, icecat.base_url, tmp_path).items():
        if key.startswith(("AIRFLOW_CONN_", "ICECAT_AKENEO_DATA_ROOT")):
            monkeypatch.setenv(key, value)
    mapping = str(REPO_ROOT / "include" / "mappings" / "demo.yaml")
    days = readme_backfill_days()
    assert len(days) >= 2, days
    for day in days:
        context = {"run_id": f"backfill__{day.isoformat()}", "params": {"full_refresh": False},
                   "data_interval_start": day, "data_interval_end": day + dt.timedelta(days=1)}
        sync = tasks.sync_run(mapping, context)
        pipeline.extract(sync)
        selected = extracted_identifiers(sync.run.path)
        assert len(selected) == 1, (day.date(), selected)
        assert f"`{selected[0]}` ({day.date().isoformat()}" in README or f"`{selected[0]}` ({day:%m-%d})" in README, (
            f"the README does not say that {day.date()} selects {selected[0]}")
